package dev.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MainTest {

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
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
