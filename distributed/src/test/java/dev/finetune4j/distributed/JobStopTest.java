package dev.finetune4j.distributed;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A stop seen by one rank reaches the others promptly, outside collectives: while rank 0 prepares the data and the
 * others wait for it, and the ranks then agree on it in one collective. Ranks are threads over 127.0.0.1.
 */
class JobStopTest {

    /** Rank 1, waiting for rank 0, is asked to stop: rank 0's preparation sees it within a second. */
    @Test
    void stopOnAWaitingRankReachesRankZeroWhilePreparing() throws Exception {
        Bridge.assumeBuildable();
        int port = Bridge.freePort();
        AtomicBoolean rank1Asked = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<double[]> zero = pool.submit(() -> {
                try (ProcessGroup pg = group(0, port)) {
                    JobStop stop = new JobStop(pg, () -> false);
                    long t0 = System.nanoTime();
                    rank1Asked.set(true);
                    int records = 0;
                    while (!stop.getAsBoolean() && records < 60_000) { // "preparation": polls between records
                        Thread.sleep(1);
                        records++;
                    }
                    double secs = (System.nanoTime() - t0) / 1e9;
                    stop.mainDone();
                    return new double[] {secs, stop.agreed().getAsBoolean() ? 1 : 0};
                }
            });
            Future<Boolean> one = pool.submit(() -> {
                try (ProcessGroup pg = group(1, port)) {
                    JobStop stop = new JobStop(pg, rank1Asked::get);
                    stop.awaitMain();
                    return stop.agreed().getAsBoolean();
                }
            });
            double[] r0 = zero.get(60, TimeUnit.SECONDS);
            assertTrue(one.get(60, TimeUnit.SECONDS), "rank 1 agrees to stop");
            assertTrue(r0[1] > 0, "rank 0 agrees to stop");
            assertTrue(r0[0] < 5, "rank 0 saw rank 1's stop after " + r0[0] + " s");
        } finally {
            pool.shutdownNow();
        }
    }

    /** Rank 0 is asked to stop while preparing: the waiting rank returns at once, before rank 0's work ends. */
    @Test
    void stopOnRankZeroEndsTheOthersWait() throws Exception {
        Bridge.assumeBuildable();
        int port = Bridge.freePort();
        AtomicBoolean asked = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Boolean> zero = pool.submit(() -> {
                try (ProcessGroup pg = group(0, port)) {
                    JobStop stop = new JobStop(pg, asked::get);
                    Thread.sleep(300);
                    asked.set(true); // e.g. SIGTERM or a cancel request
                    assertTrue(stop.getAsBoolean());
                    Thread.sleep(20_000); // would be long preparation; the other rank must not wait for it
                    return true;
                }
            });
            Future<Double> one = pool.submit(() -> {
                try (ProcessGroup pg = group(1, port)) {
                    JobStop stop = new JobStop(pg, () -> false);
                    long t0 = System.nanoTime();
                    stop.awaitMain();
                    assertTrue(stop.getAsBoolean());
                    return (System.nanoTime() - t0) / 1e9;
                }
            });
            double secs = one.get(60, TimeUnit.SECONDS);
            assertTrue(secs < 5, "the waiting rank saw the stop after " + secs + " s");
            zero.cancel(true);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Without any request: the waiting rank proceeds when rank 0 is done, and the ranks agree not to stop. */
    @Test
    void noStopMeansNoStop() throws Exception {
        Bridge.assumeBuildable();
        int port = Bridge.freePort();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Boolean> zero = pool.submit(() -> {
                try (ProcessGroup pg = group(0, port)) {
                    JobStop stop = new JobStop(pg, () -> false);
                    Thread.sleep(500);
                    stop.mainDone();
                    return stop.agreed().getAsBoolean();
                }
            });
            Future<Boolean> one = pool.submit(() -> {
                try (ProcessGroup pg = group(1, port)) {
                    JobStop stop = new JobStop(pg, () -> false);
                    stop.awaitMain();
                    return stop.agreed().getAsBoolean();
                }
            });
            assertFalse(zero.get(60, TimeUnit.SECONDS));
            assertFalse(one.get(60, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    private static ProcessGroup group(int rank, int port) {
        return ProcessGroup.gloo(rank, 2, "127.0.0.1", port, "host:127.0.0.1", Duration.ofSeconds(30), 1);
    }
}
