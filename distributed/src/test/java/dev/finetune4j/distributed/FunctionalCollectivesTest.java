package dev.finetune4j.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The bridge's gloo group registered as a c10d::ProcessGroup: TorchScript code calling
 * {@code _c10d_functional::all_reduce} sums across the ranks (threads of this JVM over 127.0.0.1; each rank registers
 * its own name because the registry is per process).
 */
class FunctionalCollectivesTest {

    @Test
    void torchScriptAllReduceThroughTheRegisteredGroup() throws Exception {
        Bridge.assumeBuildable();
        int world = 2;
        int port = Bridge.freePort();
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                int rank = r;
                results.add(pool.submit(() -> {
                    try (ProcessGroup pg = ProcessGroup.gloo(rank, world, "127.0.0.1", port, "host:127.0.0.1",
                            Duration.ofSeconds(30), 1);
                         NDManager m = NDManager.newBaseManager()) {
                        pg.register("ft4j-test-rank" + rank);
                        try (FunctionalCollectives c = FunctionalCollectives.of(pg)) {
                            NDArray x = m.create(new float[] {rank + 1, 10 * (rank + 1)});
                            NDArray sum = c.allReduceSum(x);
                            // the bridge's own collectives still work on the registered group
                            NDArray y = m.create(new float[] {rank});
                            pg.allReduceSum(List.of(y));
                            return new float[] {sum.getFloat(0), sum.getFloat(1), y.getFloat(0)};
                        }
                    }
                }));
            }
            for (Future<float[]> f : results) {
                assertArrayEquals(new float[] {3, 30, 1}, f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void unregisteredGroupsAndOddNamesAreRefused() throws Exception {
        Bridge.assumeBuildable();
        try (ProcessGroup pg = ProcessGroup.gloo(0, 1, "127.0.0.1", Bridge.freePort(), "host:127.0.0.1",
                Duration.ofSeconds(10), 1)) {
            C10dException e = assertThrows(C10dException.class, () -> FunctionalCollectives.of(pg));
            assertTrue(e.getMessage().contains("not registered"), e.getMessage());
            assertThrows(C10dException.class, () -> pg.register("bad\"name"));
        }
    }
}
