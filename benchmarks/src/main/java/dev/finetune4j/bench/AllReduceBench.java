package dev.finetune4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.finetune4j.distributed.ProcessGroup;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * All-reduce bandwidth of the c10d bridge (gloo over 127.0.0.1, ranks as threads of this JVM) for one 64 MB float32
 * tensor, against a plain 64 MB memory copy in the same process (docs/distributed.md). Prints one line per
 * measurement; ratios are within one run because this machine's speed swings between runs.
 * {@code java -cp benchmarks/target/benchmarks.jar dev.finetune4j.bench.AllReduceBench [ranks] [iterations]}
 */
public final class AllReduceBench {
    private static final int BYTES = 64 << 20;

    private AllReduceBench() {
    }

    public static void main(String[] args) throws Exception {
        int world = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int iters = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        double copyMs = memcpyMs(iters);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ExecutorService pool = Executors.newFixedThreadPool(world);
        List<Future<double[]>> ranks = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            int rank = r;
            int p = port;
            ranks.add(pool.submit(() -> allReduceMs(rank, world, p, iters)));
        }
        double[] ms = ranks.get(0).get();
        for (int r = 1; r < world; r++) {
            ranks.get(r).get();
        }
        pool.shutdown();
        double median = ms[ms.length / 2];
        double gbps = BYTES / (median / 1e3) / 1e9;
        double copyGbps = BYTES / (copyMs / 1e3) / 1e9;
        System.out.printf("memcpy 64 MB: %.2f ms (%.2f GB/s)%n", copyMs, copyGbps);
        System.out.printf("gloo all-reduce 64 MB, %d ranks: median %.1f ms (%.2f GB/s algorithm bandwidth), "
                + "%.1fx the memcpy time%n", world, median, gbps, median / copyMs);
    }

    private static double[] allReduceMs(int rank, int world, int port, int iters) {
        try (ProcessGroup pg = ProcessGroup.gloo(rank, world, "127.0.0.1", port, "host:127.0.0.1",
                Duration.ofSeconds(120), 2);
             NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.ones(new Shape(BYTES / 4), DataType.FLOAT32);
            pg.allReduceSum(List.of(a)); // warm-up (connections, buffers)
            double[] ms = new double[iters];
            for (int i = 0; i < iters; i++) {
                long t0 = System.nanoTime();
                pg.allReduceSum(List.of(a));
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(ms);
            return ms;
        }
    }

    private static double memcpyMs(int iters) {
        byte[] src = new byte[BYTES];
        byte[] dst = new byte[BYTES];
        Arrays.fill(src, (byte) 1);
        System.arraycopy(src, 0, dst, 0, BYTES); // warm-up
        double[] ms = new double[iters];
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            System.arraycopy(src, 0, dst, 0, BYTES);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[iters / 2];
    }
}
