package dev.finetune4j.distributed;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The c10d bridge bound to the libtorch DJL loaded. {@link #bind()} loads the bridge, then refuses (with a
 * {@link C10dException}, never a crash) unless the loaded libtorch is exactly {@value #TORCH_VERSION}, every symbol
 * the bridge calls resolves, and the struct layouts it writes read back as expected (docs/distributed.md).
 */
public final class C10d {
    /** The libtorch version whose ABI and struct layouts the bridge was written for. */
    public static final String TORCH_VERSION = "2.7.1";
    private static final Pattern VERSION = Pattern.compile("TORCH_VERSION=([^,\\s]+)");
    private static final long PROBE_TIMEOUT_MS = 1_234_567;
    private static boolean bound;

    private C10d() {
    }

    /** Whether the bridge can be had on this host: built into the jar, or a C++ compiler to build it. */
    public static boolean bridgeAvailable() {
        return BridgeLibrary.class.getResource(BridgeLibrary.RESOURCE_DIR + BridgeLibrary.PREBUILT) != null
                || BridgeLibrary.compiler() != null;
    }

    /** Binds once per JVM; later calls return at once. */
    public static synchronized void bind() {
        if (bound) {
            return;
        }
        Engine.getEngine("PyTorch"); // loads libtorch (JniUtils before this throws UnsatisfiedLinkError)
        Path libtorch = loadedLibtorchCpu();
        loadBridge();
        checkLibrary(libtorch);
        String[] layout = NativeC10d.probeLayout(PROBE_TIMEOUT_MS);
        List<String> expected = List.of("true", Long.toString(PROBE_TIMEOUT_MS), "gloo", "2");
        if (!Arrays.asList(layout).equals(expected)) {
            throw new C10dException("the layout of c10d::ProcessGroupGloo::Options in " + libtorch + " is not the one "
                    + "the c10d bridge was written for (read {vtable, timeout, backend, threads} = "
                    + Arrays.toString(layout) + ", expected " + expected + ")");
        }
        try (NDManager m = NDManager.newBaseManager()) {
            PtNDArray probe = (PtNDArray) m.zeros(new Shape(1), DataType.FLOAT32);
            long[] counts = NativeC10d.tensorRefcounts(probe.getHandle());
            if (counts[0] != 1 || counts[1] != 1) {
                throw new C10dException("c10::intrusive_ptr_target in " + libtorch + " does not hold 32-bit refcount "
                        + "and weakcount after its vtable as the c10d bridge expects (read " + Arrays.toString(counts)
                        + " for a fresh tensor, expected [1, 1])");
            }
        }
        NativeC10d.markReady();
        bound = true;
    }

    private static boolean bridgeLoaded;
    private static boolean ncclBound;

    /**
     * Binds c10d's NCCL backend ({@code ProcessGroupNCCL} in libtorch_cuda.so) after {@link #bind()}; refuses with a
     * {@link C10dException} when this JVM's libtorch has no CUDA part or its NCCL classes are not laid out as the
     * bridge expects. Written from the c10d 2.7 headers and unverified on a GPU (docs/distributed.md).
     */
    public static synchronized void bindNccl() {
        if (ncclBound) {
            return;
        }
        bind();
        Path cuda = loadedLibrary("libtorch_cuda.so");
        if (cuda == null) {
            throw new C10dException("backend nccl (device cuda) needs libtorch_cuda.so, the CUDA part of libtorch "
                    + TORCH_VERSION + ", but this JVM loaded only the CPU libtorch at " + loadedLibtorchCpu()
                    + ": install DJL's CUDA natives of PyTorch " + TORCH_VERSION + " (or point PYTORCH_LIBRARY_PATH at "
                    + "a CUDA build), or train on the CPU with device: cpu (gloo)");
        }
        String missing = NativeC10d.bindNccl(cuda.toString());
        if (!missing.isEmpty()) {
            throw new C10dException("the libtorch_cuda.so at " + cuda + " cannot serve the c10d bridge's NCCL backend: "
                    + missing);
        }
        ncclBound = true;
    }

    /** Loads the bridge library into this JVM (once). */
    static synchronized void loadBridge() {
        if (bridgeLoaded) {
            return;
        }
        Path bridge = BridgeLibrary.locate();
        try {
            System.load(bridge.toString());
        } catch (UnsatisfiedLinkError e) {
            throw new C10dException("cannot load the c10d bridge " + bridge + ": " + e.getMessage(), e);
        }
        bridgeLoaded = true;
    }

    /**
     * Looks the bridge's entry points up in the libtorch_cpu library loaded from {@code libtorch} and refuses it
     * unless it is {@value #TORCH_VERSION} and has every symbol the bridge calls. The bridge keeps the symbols only
     * when all resolve.
     */
    static void checkLibrary(Path libtorch) {
        String[] bindResult = NativeC10d.bind(libtorch.toString());
        checkVersion(bindResult[0], libtorch);
        if (!bindResult[1].isEmpty()) {
            throw new C10dException("the libtorch at " + libtorch + " lacks symbols the c10d bridge calls: "
                    + bindResult[1] + " (a libtorch built without distributed support?)");
        }
    }

    /**
     * Refuses any libtorch but {@value #TORCH_VERSION}.
     *
     * @param showConfig the text of {@code at::show_config()} of the loaded libtorch
     */
    static void checkVersion(String showConfig, Path libtorch) {
        Matcher m = VERSION.matcher(showConfig == null ? "" : showConfig);
        String found = m.find() ? m.group(1) : null;
        if (!TORCH_VERSION.equals(found)) {
            throw new C10dException("the c10d bridge was written for libtorch " + TORCH_VERSION + " (its C++ ABI and "
                    + "struct layouts), but the loaded libtorch at " + libtorch + " is "
                    + (found == null ? "of unknown version (no TORCH_VERSION in at::show_config())" : found)
                    + "; run distributed training with libtorch " + TORCH_VERSION
                    + " (the bundled CPU natives, or PYTORCH_LIBRARY_PATH pointing at a " + TORCH_VERSION + " build)");
        }
    }

    /** The libtorch_cpu.so this process mapped (the one DJL loaded). */
    static Path loadedLibtorchCpu() {
        Path p = loadedLibrary("libtorch_cpu.so");
        if (p == null) {
            throw new C10dException("no libtorch_cpu.so is loaded in this JVM after DJL's PyTorch engine started; "
                    + "distributed training needs DJL's PyTorch engine with libtorch " + TORCH_VERSION);
        }
        return p;
    }

    /** The library of that file name this process mapped, or null. */
    static Path loadedLibrary(String fileName) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash >= 0 && line.endsWith("/" + fileName)) {
                    return Path.of(line.substring(slash));
                }
            }
        } catch (IOException e) {
            throw new C10dException("cannot read /proc/self/maps to find the loaded libtorch: " + e.getMessage(), e);
        }
        return null;
    }
}
