package dev.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MainTest {

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        CliRun r = CliRun.of(args);
        return new Result(r.exitCode(), r.out(), r.stderr());
    }


    @Test
    void helpListsEveryCommandOfTheContract() {
        Result r = run("--help");
        assertEquals(0, r.code());
        for (String c : new String[] {"train", "validate", "inspect", "tokenize", "render-chat", "score", "generate",
            "export"}) {
            assertTrue(r.out().contains("  " + c + " "), "help lists " + c + ":\n" + r.out());
        }
    }

    @Test
    void unknownCommandPrintsUsageAndExits2() {
        Result r = run("no-such-command");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Usage: finetune4j"), r.err());
    }

    @Test
    void unknownOptionExits2() {
        Result r = run("--no-such-option");
        assertEquals(2, r.code());
    }

    @Test
    void versionNamesDjlAndLibtorch() {
        Result r = run("--version");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("finetune4j "), r.out());
        assertTrue(r.out().contains("DJL 0.36.0"), r.out());
    }

    @Test
    void cliForcesDjlOffline() {
        run("--version");
        assertEquals("true", System.getProperty("ai.djl.offline"));
        assertEquals("true", System.getProperty("OPT_OUT_TRACKING"));
    }
}
