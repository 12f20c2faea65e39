package dev.finetune4j.checkpoint.composer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.StoredTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ComposerCheckpoints#resumePoint}: a healthy latest is used; a dangling, self-looping, directory or
 * truncated latest falls back to the newest checkpoint that reads completely with a note; when none reads it refuses
 * and changes nothing. Also: a timestamp with a negative counter is refused, and a huge .symlink file is not read.
 */
class ResumePointTest {
    @TempDir
    Path dir;

    private Path save(long batch) {
        Timestamp ts = Timestamp.ZERO;
        for (long b = 0; b < batch; b++) {
            ts = ts.toNextBatch(1, 10, Duration.ofMillis(1));
        }
        LinkedHashMap<String, StoredTensor> model = new LinkedHashMap<>();
        model.put("model.norm.weight", StoredTensor.ofFloats(new long[] {4}, new float[] {batch, batch, batch, 1}));
        return ComposerCheckpoints.save(dir, new ComposerCheckpoint(model, null, null, ts, 1L, "r", List.of(),
                Map.of(), Map.of(), Map.of()), -1);
    }

    @Test
    void healthyLatestIsUsedWithoutANote() throws IOException {
        save(1);
        Path two = save(2);
        List<String> notes = new ArrayList<>();
        assertEquals(two.toRealPath(), ComposerCheckpoints.resumePoint(dir, notes::add).orElseThrow());
        assertTrue(notes.isEmpty(), notes.toString());
        assertEquals(Optional.empty(), ComposerCheckpoints.resumePoint(dir.resolve("none"), notes::add));
    }

    @Test
    void danglingLatestFallsBackToTheNewestReadable() throws IOException {
        Path one = save(1);
        Path two = save(2);
        Files.delete(two);
        assertFallsBackTo(one, "does not exist");
    }

    @Test
    void selfLoopFallsBack() throws IOException {
        Path one = save(1);
        Path link = dir.resolve(ComposerCheckpoints.LATEST);
        Files.delete(link);
        Files.createSymbolicLink(link, Path.of(ComposerCheckpoints.LATEST));
        assertFallsBackTo(one, "itself");
    }

    @Test
    void directoryLatestFallsBack() throws IOException {
        Path one = save(1);
        Path link = dir.resolve(ComposerCheckpoints.LATEST);
        Files.delete(link);
        Files.createDirectory(link);
        assertFallsBackTo(one, "directory");
    }

    @Test
    void truncatedLatestFallsBackToTheOlderOne() throws IOException {
        Path one = save(1);
        Path two = save(2);
        byte[] b = Files.readAllBytes(two);
        Files.write(two, java.util.Arrays.copyOf(b, b.length / 2));
        assertFallsBackTo(one, "");
    }

    @Test
    void nothingReadableRefusesAndChangesNothing() throws IOException {
        Path one = save(1);
        Path two = save(2);
        Files.write(one, new byte[] {1, 2, 3});
        byte[] b = Files.readAllBytes(two);
        Files.write(two, java.util.Arrays.copyOf(b, 100));
        Map<String, Long> before = listing();
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> ComposerCheckpoints.resumePoint(dir, n -> { }));
        assertTrue(e.getMessage().contains("no checkpoint that reads completely")
                && e.getMessage().contains("nothing was changed"), e.getMessage());
        assertTrue(e.getMessage().contains("ep0-ba1-rank0.pt"), e.getMessage());
        assertEquals(before, listing());
    }

    @Test
    void negativeTimestampCountersAreRefused() {
        Map<String, Object> sd = new LinkedHashMap<>(Timestamp.ZERO.toStateDict());
        sd.put("batch", -5L);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> Timestamp.fromStateDict(sd, "x.pt"));
        assertTrue(e.getMessage().contains("batch is -5"), e.getMessage());
    }

    @Test
    void anOversizedSymlinkFileIsRefusedWithoutEchoingIt() throws IOException {
        Path big = dir.resolve("w.symlink");
        Files.writeString(big, "a".repeat(1 << 20));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> ComposerCheckpoints.resolveSymlinkFile(big));
        assertTrue(e.getMessage().contains("1048576 bytes") && e.getMessage().length() < 400, e.getMessage());
    }

    private void assertFallsBackTo(Path expected, String reason) throws IOException {
        List<String> notes = new ArrayList<>();
        Path got = ComposerCheckpoints.resumePoint(dir, notes::add).orElseThrow();
        assertEquals(expected.toRealPath(), got.toRealPath());
        assertEquals(1, notes.size(), notes.toString());
        assertTrue(notes.get(0).contains(reason) && notes.get(0).contains(expected.getFileName().toString()),
                notes.get(0));
    }

    private Map<String, Long> listing() throws IOException {
        Map<String, Long> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                m.put(p.getFileName().toString(), Files.isRegularFile(p) ? Files.size(p) : -1);
            }
        }
        return m;
    }
}
