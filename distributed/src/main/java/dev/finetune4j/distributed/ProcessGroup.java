package dev.finetune4j.distributed;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import java.time.Duration;
import java.util.List;

/**
 * One rank's membership of a c10d process group (gloo on the CPU, NCCL on CUDA), rendezvoused through a TCPStore
 * that the rank-0 process serves at the master address. Collectives block until every rank joined them, and fail
 * (a {@link C10dException}) when a peer died or the timeout passed.
 */
public final class ProcessGroup implements AutoCloseable {
    private final int rank;
    private final int size;
    private final long timeoutMs;
    private final Device device;
    private long store;
    private long group;
    private long registered;
    private String registeredName;

    private ProcessGroup(int rank, int size, long timeoutMs, Device device, long store, long group) {
        this.rank = rank;
        this.size = size;
        this.timeoutMs = timeoutMs;
        this.device = device;
        this.store = store;
        this.group = group;
    }

    /**
     * Joins (rank 0: serves) the TCPStore at {@code masterAddr:masterPort} and creates the gloo group over it.
     *
     * @param device   gloo's transport device: {@code host:NAME}, {@code iface:NAME} or {@code default}
     * @param timeout  rendezvous and collective timeout
     * @param threads  gloo's worker threads
     */
    public static ProcessGroup gloo(int rank, int size, String masterAddr, int masterPort, String device,
                                    Duration timeout, int threads) {
        if (rank < 0 || rank >= size) {
            throw new C10dException("rank " + rank + " is outside the world of size " + size);
        }
        C10d.bind();
        long ms = timeout.toMillis();
        long store = NativeC10d.createStore(masterAddr, masterPort, rank == 0, size, ms);
        long group;
        try {
            group = NativeC10d.createGloo(store, rank, size, device, ms, threads);
        } catch (RuntimeException e) {
            NativeC10d.release(store);
            throw e;
        }
        return new ProcessGroup(rank, size, ms, Device.cpu(), store, group);
    }

    /**
     * Joins the TCPStore as {@link #gloo} does and creates c10d's NCCL group over it, for tensors on {@code device}
     * (this rank's GPU, {@code cuda:LOCAL_RANK}). Refuses with a {@link C10dException} where libtorch has no CUDA
     * part. Written from the c10d 2.7 headers and unverified on a GPU (docs/distributed.md).
     */
    public static ProcessGroup nccl(int rank, int size, String masterAddr, int masterPort, Device device,
                                    Duration timeout) {
        if (rank < 0 || rank >= size) {
            throw new C10dException("rank " + rank + " is outside the world of size " + size);
        }
        if (!device.isGpu()) {
            throw new C10dException("the NCCL backend needs a CUDA device, got " + device);
        }
        C10d.bindNccl();
        long ms = timeout.toMillis();
        long store = NativeC10d.createStore(masterAddr, masterPort, rank == 0, size, ms);
        long group;
        try {
            group = NativeC10d.createNccl(store, rank, size, ms);
        } catch (RuntimeException e) {
            NativeC10d.release(store);
            throw e;
        }
        return new ProcessGroup(rank, size, ms, device, store, group);
    }

    /**
     * Registers this group with c10d under {@code name} (1-64 of {@code [A-Za-z0-9_.-]}), so that c10d's functional
     * collectives ({@link FunctionalCollectives}, TorchScript {@code _c10d_functional::*}) resolve it; the name is
     * per process. Unregistered at {@link #close()}. See docs/distributed.md, "Functional collectives".
     */
    public synchronized void register(String name) {
        if (name == null || !name.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new C10dException("a process group name must be 1-64 of [A-Za-z0-9_.-], got '" + name + "'");
        }
        if (registered != 0) {
            throw new IllegalStateException("the process group is already registered as '" + registeredName + "'");
        }
        registered = NativeC10d.registerGroup(name, store, live(), rank, size, device.isGpu());
        registeredName = name;
    }

    /** The name given to {@link #register}, or null. */
    public String registeredName() {
        return registeredName;
    }

    /** The device of the tensors this group's collectives take (gloo: the CPU). */
    public Device device() {
        return device;
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    /** Sums each array (contiguous, on the group's device) across the ranks, in place; one all-reduce per array. */
    public void allReduceSum(List<? extends NDArray> arrays) {
        NativeC10d.allreduceSum(live(), handles(arrays), timeoutMs);
    }

    /**
     * Reduce-scatter (sum): {@code outputs[i]} (n elements) becomes this rank's chunk {@code [rank*n, (rank+1)*n)}
     * of the cross-rank sum of {@code inputs[i]} (size·n elements, contiguous, same dtype). All pairs are in flight
     * together. gloo runs c10d's reduce-scatter as an all-reduce of a copy of the input (docs/distributed.md).
     */
    public void reduceScatterSum(List<? extends NDArray> outputs, List<? extends NDArray> inputs) {
        NativeC10d.reduceScatterSum(live(), handles(outputs), handles(inputs), timeoutMs);
    }

    /**
     * All-gather: {@code outputs[i]} (size·n elements) receives every rank's {@code inputs[i]} (n elements) in rank
     * order. All pairs are in flight together.
     */
    public void allGather(List<? extends NDArray> outputs, List<? extends NDArray> inputs) {
        NativeC10d.allGather(live(), handles(outputs), handles(inputs), timeoutMs);
    }

    private long[] handles(List<? extends NDArray> arrays) {
        long[] out = new long[arrays.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((PtNDArray) arrays.get(i)).getHandle();
        }
        return out;
    }

    /** Adds {@code delta} to a counter in the job's store and returns the new value (a cross-rank signal). */
    public long storeAdd(String key, long delta) {
        live();
        return NativeC10d.storeAdd(store, key, delta);
    }

    private long live() {
        if (group == 0) {
            throw new IllegalStateException("the process group is closed");
        }
        return group;
    }

    @Override
    public void close() {
        if (registered != 0) {
            NativeC10d.unregisterGroup(registeredName);
            NativeC10d.release(registered);
            registered = 0;
        }
        if (group != 0) {
            NativeC10d.release(group);
            group = 0;
        }
        if (store != 0) {
            NativeC10d.release(store);
            store = 0;
        }
    }
}
