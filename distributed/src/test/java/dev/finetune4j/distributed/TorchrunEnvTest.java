package dev.finetune4j.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TorchrunEnvTest {

    @Test
    void readsTorchrunVariables() {
        TorchrunEnv e = TorchrunEnv.from(Map.of("RANK", "3", "WORLD_SIZE", "4", "LOCAL_RANK", "1",
                "LOCAL_WORLD_SIZE", "2", "MASTER_ADDR", "node0", "MASTER_PORT", "29400")).orElseThrow();
        assertEquals(new TorchrunEnv(3, 4, 1, 2, "node0", 29400), e);
        assertEquals(e, TorchrunEnv.from(e.toEnv()).orElseThrow());
    }

    @Test
    void absentWorldSizeIsAOneProcessRunAndDefaultsFollowTorchrun() {
        assertEquals(Optional.empty(), TorchrunEnv.from(Map.of()));
        TorchrunEnv e = TorchrunEnv.from(Map.of("RANK", "1", "WORLD_SIZE", "2", "MASTER_ADDR", "h")).orElseThrow();
        assertEquals(new TorchrunEnv(1, 2, 1, 2, "h", 29500), e);
    }

    @Test
    void badValuesNameTheVariable() {
        assertMessage("RANK is not set", Map.of("WORLD_SIZE", "2", "MASTER_ADDR", "h"));
        assertMessage("RANK must be in [0, WORLD_SIZE=2), got 2", Map.of("WORLD_SIZE", "2", "RANK", "2",
                "MASTER_ADDR", "h"));
        assertMessage("MASTER_ADDR is not set", Map.of("WORLD_SIZE", "2", "RANK", "0"));
        assertMessage("MASTER_PORT must be an integer, got 'x'", Map.of("WORLD_SIZE", "2", "RANK", "0",
                "MASTER_ADDR", "h", "MASTER_PORT", "x"));
        assertMessage("LOCAL_RANK must be in [0, LOCAL_WORLD_SIZE=1), got 1", Map.of("WORLD_SIZE", "2", "RANK", "1",
                "MASTER_ADDR", "h", "LOCAL_WORLD_SIZE", "1"));
    }

    private static void assertMessage(String expected, Map<String, String> env) {
        C10dException e = assertThrows(C10dException.class, () -> TorchrunEnv.from(env));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    /** device auto/cuda: rank i trains on cuda:LOCAL_RANK; cpu and explicit cuda:N stay; too few GPUs is refused. */
    @Test
    void deviceOfARank() {
        TorchrunEnv local2 = new TorchrunEnv(6, 8, 2, 4, "node0", 29500);
        assertEquals("cuda:2", local2.deviceSpec("auto", 4));
        assertEquals("cuda:2", local2.deviceSpec("cuda", 4));
        assertEquals("cpu", local2.deviceSpec("auto", 0));
        assertEquals("cpu", local2.deviceSpec("cpu", 4));
        assertEquals("cuda:0", local2.deviceSpec("cuda:0", 4));
        C10dException e = assertThrows(C10dException.class,
                () -> local2.deviceSpec("auto", 2));
        assertTrue(e.getMessage().contains("2 visible GPU(s)"), e.getMessage());
    }
}
