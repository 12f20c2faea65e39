package dev.finetune4j.distributed;

/** The JNI entry points of the c10d bridge (src/main/native/c10d_bridge.cpp); only {@link C10d} calls them. */
final class NativeC10d {
    private NativeC10d() {
    }

    /** {at::show_config(), missing symbols joined by "; " (empty when all resolve)}. */
    static native String[] bind(String libtorchCpuPath);

    /** {vtable matches, timeout ms, backend name, threads} as read from a fresh ProcessGroupGloo::Options. */
    static native String[] probeLayout(long timeoutMs);

    /** {refcount, weakcount} of the TensorImpl behind a DJL tensor handle. */
    static native long[] tensorRefcounts(long tensorHandle);

    static native void markReady();

    static native long createStore(String host, int port, boolean isServer, int worldSize, long timeoutMs);

    static native long storeAdd(long store, String key, long delta);

    static native long createGloo(long store, int rank, int size, String device, long timeoutMs, int threads);

    static native void allreduceSum(long processGroup, long[] tensorHandles, long timeoutMs);

    /** outs[i] (n elements) := this rank's chunk of the sum of ins[i] (size*n elements) across the ranks. */
    static native void reduceScatterSum(long processGroup, long[] outHandles, long[] inHandles, long timeoutMs);

    /** outs[i] (size*n elements) := every rank's ins[i] (n elements), in rank order. */
    static native void allGather(long processGroup, long[] outHandles, long[] inHandles, long timeoutMs);

    /** Binds ProcessGroupNCCL in the loaded libtorch_cuda.so; returns what is missing ("" when usable). */
    static native String bindNccl(String libtorchCudaPath);

    static native long createNccl(long store, int rank, int size, long timeoutMs);

    /** Registers the group as a c10d::ProcessGroup named {@code name}; returns it with one reference. */
    static native long registerGroup(String name, long store, long backend, int rank, int size, boolean cuda);

    static native void unregisterGroup(String name);

    static native void release(long target);
}
