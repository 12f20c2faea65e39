package dev.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.finetune4j.distributed.C10d;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two rank JVMs (torchrun's variables set by the test) while rank 0 still prepares a large data set: SIGTERM to rank
 * 1 alone stops both at once — rank 0 ends its data preparation ("stopped during data preparation") instead of
 * finishing it, and nobody waits for dist_timeout (300 s).
 */
class DistributedStopTest {
    @TempDir
    Path dir;

    @Test
    void sigtermToOneRankDuringDataPreparationStopsBoth() throws Exception {
        if (!C10d.bridgeAvailable()) {
            System.out.println("SKIP DistributedStopTest: no g++ (or $CXX) to build the c10d bridge");
        }
        assumeTrue(C10d.bridgeAvailable(), "no g++ (or $CXX) to build the c10d bridge");
        Path config = writeConfig();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<Process> ranks = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try {
            for (int r = 0; r < 2; r++) {
                Path log = dir.resolve("rank" + r + ".log");
                logs.add(log);
                ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString(), "-Xmx768m", "-XX:TieredStopAtLevel=1", "-Dai.djl.offline=true", "-cp",
                        System.getProperty("java.class.path"), Main.class.getName(), "train", config.toString());
                pb.environment().putAll(java.util.Map.of("RANK", Integer.toString(r), "WORLD_SIZE", "2",
                        "LOCAL_RANK", Integer.toString(r), "LOCAL_WORLD_SIZE", "2", "MASTER_ADDR", "127.0.0.1",
                        "MASTER_PORT", Integer.toString(port), "OMP_NUM_THREADS", "1", "OPT_OUT_TRACKING", "true",
                        "DJL_OFFLINE", "true"));
                ranks.add(pb.redirectErrorStream(true).redirectOutput(log.toFile()).start());
            }
            // both ranks joined the job: rank 1 now waits for rank 0, which prepares the data
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (!(contains(logs.get(0), "joining the job") && contains(logs.get(1), "joining the job"))) {
                assertTrue(System.nanoTime() < deadline, "the ranks did not start: " + read(logs.get(0)));
                assertTrue(ranks.get(0).isAlive() && ranks.get(1).isAlive(), "a rank died: " + read(logs.get(0))
                        + read(logs.get(1)));
                Thread.sleep(200);
            }
            Thread.sleep(1500);
            long t0 = System.nanoTime();
            ranks.get(1).destroy(); // SIGTERM to rank 1 only
            for (int r = 0; r < 2; r++) {
                assertTrue(ranks.get(r).waitFor(90, TimeUnit.SECONDS), "rank " + r + " did not stop: "
                        + read(logs.get(r)));
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            String log0 = read(logs.get(0));
            System.out.printf("both ranks stopped %.1f s after SIGTERM to rank 1%n", secs);
            assertEquals(0, ranks.get(0).exitValue(), log0);
            assertTrue(log0.contains("stopped during data preparation"), log0);
            assertTrue(read(logs.get(1)).contains("stopped during data preparation"), read(logs.get(1)));
            assertTrue(secs < 15, "took " + secs + " s (a rank waited for the data preparation or a timeout)");
            assertTrue(!Files.exists(dir.resolve("runs/stopjob/checkpoints")), "nothing trained, nothing saved");
        } finally {
            for (Process p : ranks) {
                p.destroyForcibly();
            }
        }
    }

    private static boolean contains(Path log, String s) throws IOException {
        return Files.exists(log) && Files.readString(log).contains(s);
    }

    private static String read(Path log) {
        try {
            String s = Files.readString(log);
            return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** The quickstart model and 960,000 chat rows (about 110 MB): rank 0's data preparation takes far longer. */
    private Path writeConfig() throws IOException {
        Path q = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent().resolve("examples/quickstart");
        Files.createDirectories(dir.resolve("data"));
        List<String> rows = Files.readAllLines(q.resolve("data/train.jsonl"));
        try (var out = Files.newBufferedWriter(dir.resolve("data/train.jsonl"))) {
            for (int i = 0; i < 400; i++) {
                for (String row : rows) {
                    out.write(row);
                    out.write('\n');
                }
            }
        }
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "model: " + q.resolve("model"),
                "train_data_path: data/train.jsonl",
                "experiment_path: runs",
                "run_name: stopjob",
                "training_duration: 2ba",
                "context_length: 128",
                "micro_batch_size: 2",
                "global_batch_size: 4",
                "precision: fp32",
                "device: cpu",
                "preprocessing_num_workers: 1",
                "progress: none", ""));
        return config;
    }
}
