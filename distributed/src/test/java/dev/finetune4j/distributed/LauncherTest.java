package dev.finetune4j.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's supervision with shell commands as ranks (no JVMs): failure naming, stopping the others. */
class LauncherTest {
    @TempDir
    Path dir;

    @Test
    void allRanksSucceedAndSeeTheirEnvironment() throws Exception {
        Launcher.RankCommand a = rank(0, "echo $RANK/$WORLD_SIZE > " + dir.resolve("r0"), Map.of("RANK", "0",
                "WORLD_SIZE", "2"));
        Launcher.RankCommand b = rank(1, "echo $RANK/$WORLD_SIZE > " + dir.resolve("r1"), Map.of("RANK", "1",
                "WORLD_SIZE", "2"));
        assertEquals(0, new Launcher(new PrintStream(new ByteArrayOutputStream()), Duration.ofSeconds(5))
                .run(List.of(a, b)));
        assertEquals("0/2", Files.readString(dir.resolve("r0")).strip());
        assertEquals("1/2", Files.readString(dir.resolve("r1")).strip());
    }

    @Test
    void aFailedRankStopsTheOthersAndIsNamed() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        int status = new Launcher(new PrintStream(err, true, StandardCharsets.UTF_8), Duration.ofSeconds(5)).run(
                List.of(rank(0, "sleep 60", Map.of()), rank(1, "sleep 0.3; exit 3", Map.of()),
                        rank(2, "trap '' TERM; sleep 60", Map.of())));
        double secs = (System.nanoTime() - t0) / 1e9;
        assertEquals(3, status);
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("error: rank 1 (local rank 1, pid "), text);
        assertTrue(text.contains("exited with status 3; stopping the other ranks"), text);
        // rank 2 ignores SIGTERM: it is killed after the 5 s grace period, so the launcher never hangs
        assertTrue(secs < 20, "took " + secs + " s");
    }

    private static Launcher.RankCommand rank(int r, String script, Map<String, String> env) {
        return new Launcher.RankCommand(r, r, List.of("sh", "-c", script), env);
    }
}
