package dev.finetune4j.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training over gloo on 127.0.0.1 with ranks as child JVMs ({@link RankMain}): the job's losses and
 * final weights equal a one-process run with the same global batch (fp32, 1e-6 relative); a rank that dies makes
 * the others fail within the collective timeout; the job resumes from rank 0's checkpoint with another world size.
 */
class DataParallelTrainingTest {
    @TempDir
    Path dir;

    private record Outcome(TreeMap<Long, Double> losses, Map<String, float[]> weights) {
    }

    @Test
    void twoRanksTrainLikeOneProcess() throws Exception {
        Bridge.assumeBuildable();
        Outcome single = single("3ba");
        List<Process> ranks = launch(2, dir.resolve("two"), "3ba", false, 0);
        for (int r = 0; r < ranks.size(); r++) {
            assertEquals(0, waitFor(ranks.get(r), 180), "rank " + r + " exit status; log: " + log(r));
        }
        assertSame(single, read(dir.resolve("two/out.bin")));
    }

    /** ZeRO-1: the same steps; its checkpoint (state gathered to rank 0) resumes a sharded job exactly. */
    @Test
    void shardedOptimizerStateTrainsAndResumesLikeOneProcess() throws Exception {
        Bridge.assumeBuildable();
        Path run = dir.resolve("zero");
        List<Process> first = launch(2, run, "2ba", false, 0, "optimizer");
        for (int r = 0; r < first.size(); r++) {
            assertEquals(0, waitFor(first.get(r), 180), "rank " + r + "; log: " + log(r));
        }
        // per-rank optimizer state: the ranks' shares add up to the whole state, each about half of it
        Path whole = dir.resolve("zero-one-rank");
        RankMain.train(0, 1, Bridge.freePort(), whole, whole.resolve("out.bin"), "2ba", false, 0, true);
        long total = Long.parseLong(Files.readString(whole.resolve("state-bytes-rank0")));
        long r0 = Long.parseLong(Files.readString(run.resolve("state-bytes-rank0")));
        long r1 = Long.parseLong(Files.readString(run.resolve("state-bytes-rank1")));
        System.out.printf("ZeRO-1 optimizer state bytes: one rank %d; two ranks %d + %d (max/total %.3f)%n", total,
                r0, r1, Math.max(r0, r1) / (double) total);
        assertTrue(total > 0, "one rank holds the whole state");
        assertEquals(total, r0 + r1, "the ranks' shares add up to the whole state");
        assertTrue(Math.max(r0, r1) <= 0.55 * total, "each rank holds about half: " + r0 + ", " + r1);
        Files.delete(run.resolve("out.bin"));
        List<Process> resumed = launch(2, run, "3ba", true, 0, "optimizer");
        for (int r = 0; r < resumed.size(); r++) {
            assertEquals(0, waitFor(resumed.get(r), 180), "resumed rank " + r + "; log: " + log(r));
        }
        Outcome single = single("3ba");
        Outcome job = read(run.resolve("out.bin"));
        assertSame(new Outcome(new TreeMap<>(single.losses().tailMap(3L)), single.weights()), job);
    }

    /** ZeRO-1 on 3 ranks (uneven segments, padding): the same steps, and the state split three ways. */
    @Test
    void threeShardedRanksTrainLikeOneProcess() throws Exception {
        Bridge.assumeBuildable();
        Path run = dir.resolve("zero3");
        List<Process> ranks = launch(3, run, "3ba", false, 0, "optimizer");
        for (int r = 0; r < ranks.size(); r++) {
            assertEquals(0, waitFor(ranks.get(r), 180), "rank " + r + "; log: " + log(r));
        }
        assertSame(single("3ba"), read(run.resolve("out.bin")));
        long[] bytes = new long[3];
        long sum = 0;
        for (int r = 0; r < 3; r++) {
            bytes[r] = Long.parseLong(Files.readString(run.resolve("state-bytes-rank" + r)));
            sum += bytes[r];
        }
        System.out.printf("ZeRO-1 optimizer state bytes on 3 ranks: %d %d %d%n", bytes[0], bytes[1], bytes[2]);
        for (long b : bytes) {
            assertTrue(b > 0 && b <= 0.4 * sum, "each rank holds about a third: " + java.util.Arrays.toString(bytes));
        }
    }

    @Test
    void deadRankEndsTheJobAndTheJobResumesWithAnotherWorldSize() throws Exception {
        Bridge.assumeBuildable();
        Path run = dir.resolve("three");
        List<Process> ranks = launch(3, run, "3ba", false, 2);
        assertEquals(17, waitFor(ranks.get(1), 180), "rank 1 halts itself after batch 2; log: " + log(1));
        long died = System.nanoTime();
        for (int r : new int[] {0, 2}) {
            int status = waitFor(ranks.get(r), 60);
            assertNotEquals(0, status, "rank " + r + " must fail once rank 1 died; log: " + log(r));
        }
        double secs = (System.nanoTime() - died) / 1e9;
        assertTrue(secs < 60, "the surviving ranks took " + secs + " s to exit");
        System.out.printf("surviving ranks exited %.1f s after rank 1 died; rank 0 said: %s%n", secs,
                log(0).lines().filter(l -> l.contains("C10dException")).findFirst().orElse("?"));
        assertTrue(Files.list(run.resolve("checkpoints")).anyMatch(p -> p.getFileName().toString()
                .startsWith("latest")), "rank 0 checkpointed before the failure");

        List<Process> resumed = launch(2, run, "3ba", true, 0);
        for (int r = 0; r < resumed.size(); r++) {
            assertEquals(0, waitFor(resumed.get(r), 180), "resumed rank " + r + "; log: " + log(r));
        }
        Outcome job = read(run.resolve("out.bin"));
        Outcome single = single("3ba");
        // the resumed job reports only the steps it ran; those and the final weights match the single process
        assertTrue(job.losses().lastKey() == 3L, "resumed job ends at batch 3: " + job.losses());
        TreeMap<Long, Double> tail = new TreeMap<>(single.losses().tailMap(job.losses().firstKey()));
        assertSame(new Outcome(tail, single.weights()), job);
    }

    private Outcome single(String duration) throws IOException {
        Path run = dir.resolve("single-" + duration);
        RankMain.train(0, 1, 0, run, run.resolve("out.bin"), duration, false, 0);
        return read(run.resolve("out.bin"));
    }

    private final List<Path> logs = new ArrayList<>();

    private String log(int rank) {
        try {
            Path p = logs.get(rank);
            String s = Files.readString(p);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException | RuntimeException e) {
            return "(no log: " + e + ")";
        }
    }

    private List<Process> launch(int world, Path run, String duration, boolean autoresume, long haltAfter)
            throws IOException {
        return launch(world, run, duration, autoresume, haltAfter, "none");
    }

    private List<Process> launch(int world, Path run, String duration, boolean autoresume, long haltAfter,
                                 String sharding) throws IOException {
        Files.createDirectories(run);
        int port = Bridge.freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> out = new ArrayList<>();
        logs.clear();
        for (int r = 0; r < world; r++) {
            Path log = run.resolve("rank" + r + "-" + System.nanoTime() + ".log");
            logs.add(log);
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-XX:TieredStopAtLevel=1",
                    "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), RankMain.class.getName(),
                    Integer.toString(r), Integer.toString(world), Integer.toString(port), run.toString(),
                    run.resolve("out.bin").toString(), duration, Boolean.toString(autoresume),
                    Long.toString(haltAfter), sharding);
            pb.environment().put("OPT_OUT_TRACKING", "true");
            pb.environment().put("DJL_OFFLINE", "true");
            pb.environment().put("OMP_NUM_THREADS", "1");
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
            out.add(pb.start());
        }
        return out;
    }

    private static int waitFor(Process p, int seconds) throws InterruptedException {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("a rank did not exit within " + seconds + " s");
        }
        return p.exitValue();
    }

    private static Outcome read(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            TreeMap<Long, Double> losses = new TreeMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                losses.put(in.readLong(), in.readDouble());
            }
            Map<String, float[]> weights = new LinkedHashMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                String name = in.readUTF();
                float[] v = new float[in.readInt()];
                for (int j = 0; j < v.length; j++) {
                    v[j] = in.readFloat();
                }
                weights.put(name, v);
            }
            return new Outcome(losses, weights);
        }
    }

    private static void assertSame(Outcome expected, Outcome actual) {
        assertEquals(expected.losses().keySet(), actual.losses().keySet());
        for (long b : expected.losses().keySet()) {
            double e = expected.losses().get(b);
            double a = actual.losses().get(b);
            assertTrue(Math.abs(e - a) <= 1e-6 * Math.abs(e), "loss at batch " + b + ": " + e + " vs " + a);
        }
        assertEquals(expected.weights().keySet(), actual.weights().keySet());
        double worstTensor = 0;
        for (String name : expected.weights().keySet()) {
            float[] e = expected.weights().get(name);
            float[] a = actual.weights().get(name);
            assertEquals(e.length, a.length, name);
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < e.length; i++) {
                // element-wise: 1e-6 relative, plus float32 resolution for weights that pass near 0
                double tol = 1e-6 * Math.abs(e[i]) + 1e-7;
                assertTrue(Math.abs(e[i] - a[i]) <= tol, name + "[" + i + "]: " + e[i] + " vs " + a[i]);
                diff += (e[i] - a[i]) * (double) (e[i] - a[i]);
                norm += e[i] * (double) e[i];
            }
            double rel = Math.sqrt(diff / Math.max(norm, 1e-300));
            assertTrue(rel <= 1e-6, name + ": relative L2 difference " + rel);
            worstTensor = Math.max(worstTensor, rel);
        }
        System.out.println("data-parallel vs one process: worst per-tensor relative L2 weight difference "
                + worstTensor);
    }
}
