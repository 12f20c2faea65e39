package dev.finetune4j.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoints;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process killed (SIGKILL) at random moments while it writes checkpoints never leaves {@code latest-rank0.pt}
 * pointing at an incomplete file, and no truncated file appears under a final checkpoint name (the writer goes
 * through a temp file + fsync + atomic rename, docs/formats.md §3.5).
 * Every other kill lands at a random moment; the rest right when the next file appears in the folder, i.e. while it
 * is being written.
 */
class CheckpointKillTest {
    private static final Pattern FINAL = Pattern.compile("ep(\\d+)-ba(\\d+)-rank0\\.pt");
    private static final int KILLS = 8;

    @TempDir
    Path dir;

    @Test
    void latestAlwaysResolvesToACompleteCheckpoint() throws Exception {
        long seed = System.nanoTime();
        System.out.println("CheckpointKillTest random seed " + seed);
        Random rnd = new Random(seed);
        Path folder = dir.resolve("checkpoints");
        long next = 1;
        java.util.Set<String> tempsLeft = new java.util.TreeSet<>();
        for (int kill = 0; kill < KILLS; kill++) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "-Xmx256m",
                    CheckpointWriterLoop.class.getName(), folder.toString(), Long.toString(next))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            // let it finish at least one checkpoint, then kill it at a random moment of a later write
            String line = out.readLine();
            assertTrue(line != null && line.startsWith("saved "), "child did not save a checkpoint: " + line);
            if (kill % 2 == 0) {
                Thread.sleep(rnd.nextInt(400));
            } else {
                awaitNewFile(folder); // the moment the next checkpoint file (temp or final name) appears
            }
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
            out.close();

            Path latest = ComposerCheckpoints.latest(folder).orElseThrow(() ->
                    new AssertionError("latest-rank0.pt does not resolve after a kill"));
            Matcher m = FINAL.matcher(latest.getFileName().toString());
            assertTrue(m.matches(), "latest resolves to a non-checkpoint name " + latest);
            long latestBatch = Long.parseLong(m.group(2));
            assertComplete(latest, latestBatch);
            List<Path> all = ComposerCheckpoints.list(folder);
            assertTrue(all.contains(latest), "latest is not among " + all);
            try (Stream<Path> files = Files.list(folder)) {
                for (Path p : files.toList()) {
                    String name = p.getFileName().toString();
                    Matcher f = FINAL.matcher(name);
                    if (f.matches()) {
                        assertComplete(p, Long.parseLong(f.group(2)));
                    } else if (!name.equals(ComposerCheckpoints.LATEST)) {
                        assertTrue(name.startsWith("."), "unexpected file " + name);
                        tempsLeft.add(name);
                    }
                }
            }
            // a kill between the rename and the link update leaves latest one checkpoint behind, never more
            long newest = Long.parseLong(FINAL.matcher(all.get(all.size() - 1).getFileName().toString())
                    .replaceAll("$2"));
            assertTrue(newest - latestBatch <= 1, "latest (" + latestBatch + ") lags the newest file (" + newest + ")");
            next = latestBatch + 1;
        }
        System.out.println("CheckpointKillTest: " + KILLS + " kills, " + tempsLeft.size()
                + " temp files left behind (ignored by latest/list): " + tempsLeft);
    }

    /** Polls until a file name not yet in the folder appears (a write has just begun), at most 10 s. */
    private static void awaitNewFile(Path folder) throws IOException, InterruptedException {
        java.util.Set<String> known = names(folder);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (String n : names(folder)) {
                if (!known.contains(n) && !n.startsWith("." + ComposerCheckpoints.LATEST)) {
                    return;
                }
            }
            Thread.onSpinWait();
        }
    }

    private static java.util.Set<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        }
    }

    /** The file loads completely, its timestamp matches its name, and every value is the batch number. */
    private static void assertComplete(Path file, long batch) {
        ComposerCheckpoint cp = ComposerCheckpoint.read(file);
        assertEquals(batch, cp.timestamp().batch(), file + " timestamp");
        assertEquals(CheckpointWriterLoop.TENSORS, cp.model().size(), file + " tensors");
        for (Map.Entry<String, StoredTensor> e : cp.model().entrySet()) {
            float[] v = e.getValue().toFloatArray();
            assertEquals(CheckpointWriterLoop.FLOATS, v.length, file + " " + e.getKey());
            for (float x : v) {
                if (x != batch) {
                    throw new AssertionError(file + " " + e.getKey() + " holds " + x + ", expected " + batch);
                }
            }
        }
    }
}
