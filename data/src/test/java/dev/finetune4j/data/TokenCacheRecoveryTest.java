package dev.finetune4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.data.source.SampleReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token cache recovers by itself: a corrupt or truncated entry is discarded and rebuilt, a second publisher of
 * the same key (two runs sharing experiment_path) is no error, and temporary entries of dead processes are removed
 * while a live one's stay. Also: a stop request ends preparation without publishing anything, and a JSONL record
 * beyond the maximum record size is an invalid sample named by file:line.
 */
class TokenCacheRecoveryTest {
    @TempDir
    Path dir;

    private DataOptions options(Path cache) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            lines.add("{\"prompt\": \"what is " + i + "+" + i + "?\", \"response\": \"" + (2 * i) + "\"}");
        }
        Path data = TestFiles.write(dir, "train.jsonl", lines.toArray(String[]::new));
        return DataOptions.builder(TaskType.INSTRUCTION_FINETUNE, data, 64).cacheDir(cache).build();
    }

    private static Path entry(Path cache) throws IOException {
        try (Stream<Path> s = Files.list(cache)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).findFirst().orElseThrow();
        }
    }

    @Test
    void corruptEntriesAreDiscardedAndRebuilt() throws IOException {
        Path cache = dir.resolve("cache");
        DataOptions o = options(cache);
        PreparedData first = DatasetPreparer.prepare(o, FakeTokenizer.plain());
        Path entry = entry(cache);
        for (String damage : List.of("offsets.bin", "ids.bin", "meta.json", "lengths.bin")) {
            Path f = entry.resolve(damage);
            byte[] b = Files.readAllBytes(f);
            Files.write(f, java.util.Arrays.copyOf(b, b.length / 2 + 1)); // truncated
            PreparedData again = DatasetPreparer.prepare(o, FakeTokenizer.plain());
            assertEquals(0, again.cacheHits(), damage + ": a damaged entry is not used");
            assertEquals(first.train().rows(), again.train().rows());
            assertArrayEquals(first.train().row(0).inputIds(), again.train().row(0).inputIds());
            assertEquals(1, DatasetPreparer.prepare(o, FakeTokenizer.plain()).cacheHits(), damage + ": rebuilt");
        }
        Files.delete(entry.resolve("meta.json"));
        assertEquals(0, DatasetPreparer.prepare(o, FakeTokenizer.plain()).cacheHits());
        assertEquals(1, DatasetPreparer.prepare(o, FakeTokenizer.plain()).cacheHits(), "an entry without meta.json");
    }

    @Test
    void aSecondPublisherOfTheSameKeyIsNoError() throws IOException {
        Path cache = dir.resolve("cache");
        DataOptions o = options(cache);
        DatasetPreparer.prepare(o, FakeTokenizer.plain());
        String key = entry(cache).getFileName().toString();
        TokenCache tc = new TokenCache(cache);
        // another run finished tokenizing the same data after this one published: its rename finds the folder taken
        EncodedSource late = tc.store(key, d -> DatasetPreparer.encode(o.trainDataPath(), o.toBuilder().cacheDir(null)
                .build(), FakeTokenizer.plain()));
        assertTrue(late.corpus().size() > 0);
        try (Stream<Path> s = Files.list(cache)) {
            assertEquals(List.of(key), s.map(p -> p.getFileName().toString()).toList(), "no temporary left");
        }
        assertEquals(1, DatasetPreparer.prepare(o, FakeTokenizer.plain()).cacheHits());
    }

    @Test
    void onlyDeadProcessesTemporariesAreRemoved() throws Exception {
        Path cache = Files.createDirectories(dir.resolve("cache"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        String hex = "0123456789abcdef0123456789abcdef";
        Path dead = Files.createDirectories(cache.resolve(".tmp-" + hex + "-" + p.pid() + "-123"));
        Files.writeString(dead.resolve("ids.bin"), "partial");
        Path live = Files.createDirectories(cache.resolve(".tmp-" + hex + "-" + ProcessHandle.current().pid() + "-9"));
        Path user = Files.createDirectories(cache.resolve(".tmp-notes"));
        DatasetPreparer.prepare(options(cache), FakeTokenizer.plain());
        assertFalse(Files.exists(dead));
        assertTrue(Files.exists(live) && Files.exists(user));
    }

    @Test
    void aStopRequestEndsPreparationWithoutPublishing() throws IOException {
        Path cache = dir.resolve("cache");
        DataOptions o = options(cache);
        assertThrows(PreparationStoppedException.class,
                () -> DatasetPreparer.prepare(o, FakeTokenizer.plain(), () -> true));
        if (Files.exists(cache)) {
            try (Stream<Path> s = Files.list(cache)) {
                assertEquals(List.of(), s.toList(), "nothing published, no temporary left");
            }
        }
    }

    @Test
    void aRecordBeyondTheMaximumSizeIsRefusedByFileAndLine() throws IOException {
        Path data = dir.resolve("big.jsonl");
        try (OutputStream out = Files.newOutputStream(data)) {
            out.write((TestFiles.PR_OK + "\n").getBytes(StandardCharsets.UTF_8));
            out.write("{\"prompt\": \"".getBytes(StandardCharsets.UTF_8));
            byte[] chunk = "x".repeat(1 << 20).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i <= SampleReader.MAX_RECORD_BYTES >> 20; i++) {
                out.write(chunk);
            }
            out.write(("\", \"response\": \"y\"}\n" + TestFiles.PR_OK + "\n").getBytes(StandardCharsets.UTF_8));
        }
        PreparedData d = DatasetPreparer.validate(DataOptions.defaults(TaskType.INSTRUCTION_FINETUNE, data, 64),
                FakeTokenizer.plain());
        assertEquals(3, d.report().samples());
        assertEquals(1, d.report().invalidSamples());
        Problem p = d.report().problems().get(0);
        assertEquals(2, p.line());
        assertTrue(p.reason().contains("maximum record size is " + SampleReader.MAX_RECORD_BYTES), p.reason());
    }
}
