package dev.finetune4j.distributed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A stop request shared by every rank of a job at any time, also outside collectives (docs/distributed.md,
 * "Stopping"): a rank that sees its own request (Ctrl-C, SIGTERM, a cancel request, a stop during data preparation)
 * publishes it in the job's TCPStore, and every rank's {@link #getAsBoolean()} reads the store at most every
 * {@value #POLL_MS} ms. The answer may differ between ranks for a moment, so decisions all ranks must share go
 * through {@link #agreed()}, a collective.
 */
public final class JobStop implements BooleanSupplier {
    static final long POLL_MS = 200;
    private static final String STOP_KEY = "finetune4j/stop";
    private static final String PREPARED_KEY = "finetune4j/main-prepared";

    private final ProcessGroup group;
    private final BooleanSupplier local;
    private boolean published;
    private boolean seen;
    private long lastPoll;

    /** @param local this rank's own stop request */
    public JobStop(ProcessGroup group, BooleanSupplier local) {
        this.group = group;
        this.local = local;
    }

    /** Whether this rank or (as last polled) any rank asked to stop; publishes this rank's own request. */
    @Override
    public synchronized boolean getAsBoolean() {
        if (seen) {
            return true;
        }
        if (local.getAsBoolean()) {
            if (!published) {
                group.storeAdd(STOP_KEY, 1);
                published = true;
            }
            seen = true;
            return true;
        }
        long now = System.nanoTime();
        if (now - lastPoll >= POLL_MS * 1_000_000) {
            lastPoll = now;
            seen = group.storeAdd(STOP_KEY, 0) > 0;
        }
        return seen;
    }

    /** A collective: true on every rank when any rank's {@link #getAsBoolean()} is true at this call. */
    public BooleanSupplier agreed() {
        return () -> {
            try (NDManager m = NDManager.newBaseManager(group.device())) {
                NDArray flag = m.create(new double[] {getAsBoolean() ? 1 : 0});
                group.allReduceSum(List.of(flag));
                return flag.toDoubleArray()[0] > 0;
            }
        };
    }

    /**
     * Ranks other than 0: waits until rank 0 called {@link #mainDone()} or a stop is requested on any rank (polling
     * the store, not a collective, so a stop never waits for rank 0's work to end). A dead rank 0 ends the wait with
     * a {@link C10dException} (its store is gone).
     */
    public void awaitMain() {
        while (group.storeAdd(PREPARED_KEY, 0) == 0 && !getAsBoolean()) {
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new C10dException("interrupted while waiting for rank 0");
            }
        }
    }

    /** Rank 0: ends the other ranks' {@link #awaitMain()}. */
    public void mainDone() {
        group.storeAdd(PREPARED_KEY, 1);
    }
}
