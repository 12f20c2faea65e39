package ai.djl.pytorch.jni;

import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * finetune4j's doorway into DJL's package-private JNI call that runs a TorchScript method <em>with</em> an autograd
 * graph ({@code PyTorchLibrary.LIB.moduleRunMethod(handle, name, ivalues, isTrain, false)}); DJL's public
 * {@code IValueUtils.runMethod} runs in inference mode and would drop the graph (docs/djl.md §2).
 *
 * <p>Arguments may be {@link PtNDArray}, {@code PtNDArray[]} / {@code List<PtNDArray>} (a TorchScript
 * {@code List[Tensor]}), {@link Boolean}, {@link Integer}/{@link Long} and {@link Double}. Only this class touches
 * DJL internals; everything else calls {@code dev.finetune4j.engine.kernel.KernelLibrary}.
 */
public final class KernelBridge {

    private KernelBridge() {
    }

    /**
     * Runs {@code method} of the loaded module and returns its tensor results (none for a {@code -> None} method,
     * one for a Tensor, several for a {@code List[Tensor]}); results attach to {@code manager}.
     *
     * @param grad true to record autograd (grad mode on for the call), false for in-place optimizer updates
     */
    public static PtNDArray[] run(long moduleHandle, String method, PtNDManager manager, boolean grad,
                                  Object... args) {
        List<IValue> inputs = new ArrayList<>(args.length);
        try {
            for (Object a : args) {
                inputs.add(toIValue(a));
            }
            long[] handles = new long[inputs.size()];
            for (int i = 0; i < handles.length; i++) {
                handles[i] = inputs.get(i).getHandle();
            }
            long out = PyTorchLibrary.LIB.moduleRunMethod(moduleHandle, method, handles, grad, false);
            try (IValue result = new IValue(out)) {
                if (result.isTensor()) {
                    return new PtNDArray[] {result.toTensor(manager)};
                }
                if (result.isTensorList()) {
                    return result.toTensorArray(manager);
                }
                return new PtNDArray[0];
            }
        } finally {
            for (IValue v : inputs) {
                v.close();
            }
        }
    }

    private static IValue toIValue(Object a) {
        if (a instanceof PtNDArray t) {
            return IValue.from(t);
        }
        if (a instanceof PtNDArray[] ts) {
            return IValue.listFrom(ts);
        }
        if (a instanceof List<?> list) {
            PtNDArray[] ts = new PtNDArray[list.size()];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = (PtNDArray) list.get(i);
            }
            return IValue.listFrom(ts);
        }
        if (a instanceof Boolean b) {
            return IValue.from(b.booleanValue());
        }
        if (a instanceof Integer i) {
            return IValue.from(i.longValue());
        }
        if (a instanceof Long l) {
            return IValue.from(l.longValue());
        }
        if (a instanceof Double d) {
            return IValue.from(d.doubleValue());
        }
        if (a instanceof Float f) {
            return IValue.from(f.doubleValue());
        }
        throw new IllegalArgumentException("unsupported kernel argument type " + (a == null ? "null" : a.getClass()));
    }
}
