package dev.finetune4j.app;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.finetune4j.distributed.C10dException;
import dev.finetune4j.distributed.C10dDataParallel;
import dev.finetune4j.distributed.JobStop;
import dev.finetune4j.distributed.ProcessGroup;
import dev.finetune4j.distributed.TorchrunEnv;
import dev.finetune4j.engine.device.Devices;
import dev.finetune4j.engine.train.DataParallel;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's part in a data-parallel job (docs/distributed.md): joins the job torchrun's variables describe, gives the
 * rank its device and CPU threads, and hands the trainer the gloo data parallelism. Without {@code WORLD_SIZE} in
 * the environment (or with 1) it is the one-process run.
 */
final class DistributedRun implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DistributedRun.class);

    private final TorchrunEnv env;
    private final ProcessGroup group;
    private final DataParallel dataParallel;
    private JobStop jobStop;

    private DistributedRun(TorchrunEnv env, ProcessGroup group, boolean shardOptimizer) {
        this.env = env;
        this.group = group;
        this.dataParallel = group == null ? DataParallel.SINGLE
                : new C10dDataParallel(group, C10dDataParallel.DEFAULT_BUCKET_BYTES, shardOptimizer);
    }

    /** The job this process belongs to, from torchrun's environment variables. */
    static Optional<TorchrunEnv> environment() {
        return TorchrunEnv.from(System.getenv());
    }

    /**
     * Joins the job (rendezvous at MASTER_ADDR:MASTER_PORT), bounded by {@code dist_timeout} seconds.
     *
     * @param fsdpSharding {@code optimizer} for ZeRO-1 (optimizer state sharded across the ranks), else {@code none}
     */
    static DistributedRun join(String configuredDevice, double timeoutSeconds, String fsdpSharding,
                               int globalBatchSize) {
        Optional<TorchrunEnv> job = environment();
        if (job.isEmpty() || job.get().worldSize() == 1) {
            return new DistributedRun(job.orElse(null), null, false); // one rank: nothing to shard
        }
        TorchrunEnv e = job.get();
        if (globalBatchSize % e.worldSize() != 0) {
            throw new C10dException("global_batch_size " + globalBatchSize + " must be a multiple of WORLD_SIZE "
                    + e.worldSize() + ", so that every rank gets the same number of rows of each batch");
        }
        Device device = Devices.resolve(e.deviceSpec(configuredDevice, Engine.getEngine("PyTorch").getGpuCount()));
        Duration timeout = Duration.ofMillis((long) (timeoutSeconds * 1000));
        LOG.info("rank {} of {} (local rank {} of {}) on {}: joining the job at {}:{}", e.rank(), e.worldSize(),
                e.localRank(), e.localWorldSize(), device, e.masterAddr(), e.masterPort());
        ProcessGroup group;
        if (device.isGpu()) { // c10d's NCCL backend, unverified on a GPU (docs/distributed.md)
            group = ProcessGroup.nccl(e.rank(), e.worldSize(), e.masterAddr(), e.masterPort(), device, timeout);
        } else {
            if (System.getenv("OMP_NUM_THREADS") == null) {
                int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / e.localWorldSize());
                JniUtils.setNumThreads(threads); // this rank's share of the host's cores
            }
            group = ProcessGroup.gloo(e.rank(), e.worldSize(), e.masterAddr(), e.masterPort(), glooDevice(e),
                    timeout, 2);
        }
        return new DistributedRun(e, group, fsdpSharding.equals("optimizer"));
    }

    /** {@code GLOO_SOCKET_IFNAME} as PyTorch reads it; else loopback for a loopback master; else the host name. */
    private static String glooDevice(TorchrunEnv e) {
        String iface = System.getenv("GLOO_SOCKET_IFNAME");
        if (iface != null && !iface.isBlank()) {
            return "iface:" + iface.split(",")[0].trim();
        }
        try {
            if (InetAddress.getByName(e.masterAddr()).isLoopbackAddress()) {
                return "host:127.0.0.1";
            }
        } catch (UnknownHostException ex) {
            throw new C10dException("MASTER_ADDR '" + e.masterAddr() + "' does not resolve: " + ex.getMessage(), ex);
        }
        return "default";
    }

    /** The device spec this rank trains on: {@code cuda:LOCAL_RANK} for a GPU job ({@link TorchrunEnv#deviceSpec}). */
    String deviceSpec(String configured) {
        return env == null || group == null ? configured
                : env.deviceSpec(configured, Engine.getEngine("PyTorch").getGpuCount());
    }

    boolean isMain() {
        return env == null || env.isMain();
    }

    int worldSize() {
        return env == null ? 1 : env.worldSize();
    }

    DataParallel dataParallel() {
        return dataParallel;
    }

    /**
     * The job's stop flag over this rank's own request: any rank's request, shared through the job's store at any
     * time (also while rank 0 prepares the data); the local request itself in a one-process run.
     */
    BooleanSupplier watchStop(BooleanSupplier local) {
        if (group == null) {
            return local;
        }
        jobStop = new JobStop(group, local);
        return jobStop;
    }

    /** A stop flag all ranks agree on (any rank asked), polled by every rank at the same step: a collective. */
    BooleanSupplier agreedStop(BooleanSupplier stop) {
        return group == null ? stop : watched().agreed();
    }

    /**
     * Ranks other than 0 wait here until rank 0 reaches {@link #mainDone()} (e.g. filling the token cache), or until
     * any rank asks to stop.
     */
    void mainFirst() {
        if (group != null && !isMain()) {
            watched().awaitMain();
        }
    }

    /** Rank 0's side of {@link #mainFirst()}. */
    void mainDone() {
        if (group != null && isMain()) {
            watched().mainDone();
        }
    }

    private JobStop watched() {
        if (jobStop == null) {
            throw new IllegalStateException("watchStop() comes first");
        }
        return jobStop;
    }

    @Override
    public void close() {
        if (group != null) {
            group.close();
        }
    }
}
