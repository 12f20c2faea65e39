package dev.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Command;

/**
 * No Java stack trace without --verbose: any Throwable reaching main (including OutOfMemoryError and
 * StackOverflowError) is one {@code error:} line and exit 1; the hostile inputs of the attack probes end the same way.
 */
class CliFailureTest {
    private static final Duration CAP = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @Command(name = "finetune4j", subcommands = {Oom.class, Soe.class, Npe.class, Custom.class})
    static final class Throwing implements Runnable {
        @picocli.CommandLine.Option(names = "--verbose", scope = picocli.CommandLine.ScopeType.INHERIT)
        boolean verbose;

        @Override
        public void run() {
        }
    }

    @Command(name = "train")
    static final class Oom implements Runnable {
        @Override
        public void run() {
            throw new OutOfMemoryError("Java heap space");
        }
    }

    @Command(name = "inspect")
    static final class Soe implements Runnable {
        @Override
        public void run() {
            throw new StackOverflowError();
        }
    }

    @Command(name = "score")
    static final class Npe implements Runnable {
        @Override
        public void run() {
            throw new NullPointerException();
        }
    }

    @Command(name = "generate")
    static final class Custom implements Runnable {
        @Override
        public void run() {
            throw new LinkageError("boom");
        }
    }

    private record Run(int code, String err) {
    }

    private static synchronized Run run(String... args) {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.execute(new Throwing(), args);
            return new Run(code, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
        }
    }

    private static void assertOneErrorLine(int code, String err) {
        assertEquals(1, code, err);
        assertTrue(err.startsWith("error: "), err);
        assertEquals(1, err.strip().lines().count(), "one line, no stack trace:\n" + err);
        assertFalse(err.contains("\tat "), err);
    }

    @Test
    void outOfMemorySaysWhatRanAndHowToGiveMoreMemory() {
        Run r = run("train");
        assertOneErrorLine(r.code(), r.err());
        assertTrue(r.err().contains("ran out of memory while running 'train'")
                && r.err().contains("FINETUNE4J_JAVA_OPTS=-Xmx16g"), r.err());
    }

    @Test
    void stackOverflowAndOtherErrorsAreOneLine() {
        Run soe = run("inspect");
        assertOneErrorLine(soe.code(), soe.err());
        assertTrue(soe.err().contains("ran out of stack while running 'inspect'"), soe.err());
        Run npe = run("score");
        assertOneErrorLine(npe.code(), npe.err());
        assertTrue(npe.err().contains("unexpected NullPointerException while running 'score'"), npe.err());
        Run linkage = run("generate");
        assertOneErrorLine(linkage.code(), linkage.err());
        assertTrue(linkage.err().contains("unexpected LinkageError while running 'generate': boom"), linkage.err());
    }

    @Test
    void verboseAddsTheStackTrace() {
        Run r = run("train", "--verbose");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("\tat "), r.err());
    }

    @Test
    void inspectOfAPickleThatContainsItselfIsOneErrorLine() throws IOException {
        // torch.save archive whose data.pkl is l = []; l.append(l)
        byte[] pickle = {(byte) 0x80, 2, ']', 'q', 0, 'h', 0, 'a', '.'};
        Path file = dir.resolve("self.pt");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(file))) {
            stored(z, "archive/data.pkl", pickle);
            stored(z, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
        CliRun r = assertTimeoutPreemptively(CAP, () -> CliRun.of("inspect", file.toString()));
        assertOneErrorLine(r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("self.pt") && r.stderr().contains("contains itself"), r.stderr());
    }

    @Test
    void renderChatOfAHostileTemplateIsOneErrorLine() throws IOException {
        Path template = dir.resolve("evil.jinja");
        Files.writeString(template, "{% for m in messages %}{{ 'a' * 10**10 }}{% endfor %}");
        Path input = dir.resolve("case.json");
        Files.writeString(input, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        CliRun r = assertTimeoutPreemptively(CAP, () -> CliRun.of("render-chat", "--template", template.toString(),
                "--input", input.toString()));
        assertOneErrorLine(r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("evil.jinja") && r.stderr().contains("maxValueSize"), r.stderr());
        Files.writeString(template, "{{ " + "(".repeat(5000) + "1" + ")".repeat(5000) + " }}");
        CliRun deep = assertTimeoutPreemptively(CAP, () -> CliRun.of("render-chat", "--template",
                template.toString(), "--input", input.toString()));
        assertOneErrorLine(deep.exitCode(), deep.stderr());
        assertTrue(deep.stderr().contains("RenderLimits.maxNesting"), deep.stderr());
    }

    private static void stored(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }
}
