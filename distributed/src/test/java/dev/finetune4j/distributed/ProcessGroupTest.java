package dev.finetune4j.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Gloo all-reduce through the bridge with ranks as threads of this JVM over 127.0.0.1. */
class ProcessGroupTest {

    @Test
    void threeRanksSumInPlace() throws Exception {
        Bridge.assumeBuildable();
        int world = 3;
        int port = Bridge.freePort();
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            List<Future<float[][]>> results = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                int rank = r;
                results.add(pool.submit(() -> {
                    try (ProcessGroup pg = ProcessGroup.gloo(rank, world, "127.0.0.1", port, "host:127.0.0.1",
                            Duration.ofSeconds(30), 1);
                         NDManager m = NDManager.newBaseManager()) {
                        NDArray a = m.create(new float[] {rank, 10 * rank, 1});
                        NDArray b = m.create(new double[] {0.5 * (rank + 1)});
                        NDArray big = m.ones(new ai.djl.ndarray.types.Shape(100_000)).mul(rank + 1);
                        pg.allReduceSum(List.of(a, big));
                        pg.allReduceSum(List.of(b));
                        return new float[][] {a.toFloatArray(), {(float) b.toDoubleArray()[0]},
                                {big.getFloat(0), big.getFloat(99_999)}};
                    }
                }));
            }
            for (Future<float[][]> f : results) {
                float[][] got = f.get(60, TimeUnit.SECONDS);
                assertArrayEquals(new float[] {3, 30, 3}, got[0]);
                assertEquals(3.0f, got[1][0]);
                assertArrayEquals(new float[] {6, 6}, got[2]);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** c10d's reduce-scatter and all-gather through the bridge: several pairs in flight, float32 and float64. */
    @Test
    void threeRanksReduceScatterAndAllGather() throws Exception {
        Bridge.assumeBuildable();
        int world = 3;
        int port = Bridge.freePort();
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            List<Future<float[][]>> results = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                int rank = r;
                results.add(pool.submit(() -> {
                    try (ProcessGroup pg = ProcessGroup.gloo(rank, world, "127.0.0.1", port, "host:127.0.0.1",
                            Duration.ofSeconds(30), 1);
                         NDManager m = NDManager.newBaseManager()) {
                        // input element i on rank r is i + 100 r: the sum over ranks is 3 i + 300
                        NDArray in = m.arange(0f, 6f).add(100 * rank);
                        NDArray in64 = m.create(new double[] {0, 1, 2})
                                .add(rank);
                        NDArray out = m.zeros(new ai.djl.ndarray.types.Shape(2));
                        NDArray out64 = m.zeros(new ai.djl.ndarray.types.Shape(1),
                                ai.djl.ndarray.types.DataType.FLOAT64);
                        pg.reduceScatterSum(List.of(out, out64), List.of(in, in64));
                        NDArray gathered = m.zeros(new ai.djl.ndarray.types.Shape(6));
                        pg.allGather(List.of(gathered), List.of(m.create(new float[] {rank, -rank})));
                        return new float[][] {out.toFloatArray(), {(float) out64.toDoubleArray()[0]},
                                gathered.toFloatArray()};
                    }
                }));
            }
            for (int r = 0; r < world; r++) {
                float[][] got = results.get(r).get(60, TimeUnit.SECONDS);
                assertArrayEquals(new float[] {3 * (2 * r) + 300, 3 * (2 * r + 1) + 300}, got[0], "rank " + r);
                assertEquals(3 * r + 3, got[1][0], "rank " + r);
                assertArrayEquals(new float[] {0, 0, 1, -1, 2, -2}, got[2], "rank " + r);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void peerThatNeverJoinsFailsWithinTheTimeout() {
        Bridge.assumeBuildable();
        long t0 = System.nanoTime();
        C10dException e = assertThrows(C10dException.class, () -> ProcessGroup.gloo(0, 2, "127.0.0.1",
                Bridge.freePort(), "host:127.0.0.1", Duration.ofSeconds(2), 1).close());
        double secs = (System.nanoTime() - t0) / 1e9;
        assertTrue(secs < 20, "took " + secs + " s");
        assertTrue(e.getMessage().contains("TCPStore"), e.getMessage());
    }

    /** A rank that joined but never enters the collective: the others fail after the group's timeout, not hang. */
    @Test
    void stalledPeerFailsTheCollectiveWithinTheTimeout() throws Exception {
        Bridge.assumeBuildable();
        int port = Bridge.freePort();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Void> stalled = pool.submit(() -> {
                try (ProcessGroup pg = ProcessGroup.gloo(1, 2, "127.0.0.1", port, "host:127.0.0.1",
                        Duration.ofSeconds(3), 1)) {
                    done.await(60, TimeUnit.SECONDS); // joined, but never all-reduces
                }
                return null;
            });
            Future<Double> waiting = pool.submit(() -> {
                try (ProcessGroup pg = ProcessGroup.gloo(0, 2, "127.0.0.1", port, "host:127.0.0.1",
                        Duration.ofSeconds(3), 1); NDManager m = NDManager.newBaseManager()) {
                    long t0 = System.nanoTime();
                    C10dException e = assertThrows(C10dException.class,
                            () -> pg.allReduceSum(List.of(m.create(new float[] {1}))));
                    assertTrue(e.getMessage().startsWith("all-reduce: "), e.getMessage());
                    return (System.nanoTime() - t0) / 1e9;
                } finally {
                    done.countDown();
                }
            });
            double secs = waiting.get(60, TimeUnit.SECONDS);
            stalled.get(60, TimeUnit.SECONDS);
            assertTrue(secs >= 2 && secs < 30, "the all-reduce failed after " + secs + " s (timeout 3 s)");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void otherLibtorchVersionsAreRefused() {
        C10dException e = assertThrows(C10dException.class, () -> C10d.checkVersion(
                "PyTorch built with:\n  - Build settings: BLAS_INFO=mkl, TORCH_VERSION=2.8.0, USE_CUDA=0\n",
                Path.of("/opt/libtorch/lib/libtorch_cpu.so")));
        assertTrue(e.getMessage().contains("written for libtorch 2.7.1"), e.getMessage());
        assertTrue(e.getMessage().contains("is 2.8.0"), e.getMessage());
        assertThrows(C10dException.class, () -> C10d.checkVersion("no version here", Path.of("x")));
        C10d.checkVersion("  - Build settings: TORCH_VERSION=2.7.1, USE_CUDA=0", Path.of("x"));
    }
}
