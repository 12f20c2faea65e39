package dev.finetune4j.engine.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.kernel.ScalarType;
import dev.finetune4j.engine.model.TrainableParameter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shared machinery of the kernel-backed optimizers: groups, lazily created per-parameter state slots kept outside any
 * {@code NDScope}, gradient collection and state export/import.
 */
@SuppressWarnings("try") // NDScope blocks are used for what they free on close, not referenced
abstract class FusedOptimizer implements Optimizer {

    private final List<ParameterGroup> groups;
    private final NDManager stateManager;
    private final Map<String, NDArray[]> state = new LinkedHashMap<>();
    private final Map<String, TrainableParameter> byName = new HashMap<>();
    protected final KernelLibrary kernels;
    /** bf16 master weights: parameters and state in bfloat16, updates with stochastic rounding. */
    protected final boolean bf16;

    FusedOptimizer(List<ParameterGroup> groups) {
        if (groups.isEmpty() || groups.stream().allMatch(g -> g.params().isEmpty())) {
            throw new OptimizerException("the optimizer has no parameters to train");
        }
        this.groups = List.copyOf(groups);
        NDArray first = groups.stream().filter(g -> !g.params().isEmpty()).findFirst().orElseThrow().params().get(0)
                .array();
        this.stateManager = NDManager.newBaseManager(first.getDevice(), "PyTorch");
        this.kernels = KernelLibrary.of(first);
        this.bf16 = kernels.scalarType(first) == ScalarType.BFLOAT16;
        for (ParameterGroup g : groups) {
            for (TrainableParameter p : g.params()) {
                if (byName.put(p.name(), p) != null) {
                    throw new OptimizerException("parameter '" + p.name() + "' is in more than one group");
                }
            }
        }
    }

    /** Names of the state slots, in torch's order (e.g. {@code step, exp_avg, exp_avg_sq}). */
    abstract List<String> slotNames();

    /** Shape of slot {@code i} for a parameter of {@code shape} ({@code step} is a scalar). */
    Shape slotShape(int slot, Shape paramShape) {
        return paramShape;
    }

    /** Updates one group's parameters that have gradients; {@code slots[i]} is the list of slot i's arrays. */
    abstract void update(ParameterGroup group, List<NDArray> params, List<NDArray> grads, List<List<NDArray>> slots);

    @Override
    public List<ParameterGroup> groups() {
        return groups;
    }

    @Override
    public void step() {
        try (NDScope scope = new NDScope()) {
            for (ParameterGroup g : groups) {
                List<NDArray> params = new ArrayList<>();
                List<NDArray> grads = new ArrayList<>();
                List<List<NDArray>> slots = new ArrayList<>();
                for (int i = 0; i < slotNames().size(); i++) {
                    slots.add(new ArrayList<>());
                }
                for (TrainableParameter p : g.params()) {
                    NDArray grad = p.array().getGradient();
                    if (grad == null) {
                        continue;
                    }
                    params.add(p.array());
                    grads.add(grad);
                    NDArray[] s = slotsOf(p);
                    for (int i = 0; i < s.length; i++) {
                        slots.get(i).add(s[i]);
                    }
                }
                if (!params.isEmpty()) {
                    update(g, params, grads, slots);
                }
            }
        }
    }

    @Override
    public void step(List<TrainableParameter> params, List<NDArray> grads) {
        if (params.size() != grads.size()) {
            throw new IllegalArgumentException(params.size() + " parameters but " + grads.size() + " gradients");
        }
        try (NDScope scope = new NDScope()) {
            for (ParameterGroup g : groups) {
                List<NDArray> ps = new ArrayList<>();
                List<NDArray> gs = new ArrayList<>();
                List<List<NDArray>> slots = new ArrayList<>();
                for (int i = 0; i < slotNames().size(); i++) {
                    slots.add(new ArrayList<>());
                }
                for (int j = 0; j < params.size(); j++) {
                    TrainableParameter p = params.get(j);
                    if (!g.params().contains(p)) {
                        continue;
                    }
                    ps.add(p.array());
                    gs.add(grads.get(j));
                    NDArray[] s = slotsOf(p);
                    for (int i = 0; i < s.length; i++) {
                        slots.get(i).add(s[i]);
                    }
                }
                if (!ps.isEmpty()) {
                    update(g, ps, gs, slots);
                }
            }
        }
    }

    private NDArray[] slotsOf(TrainableParameter p) {
        return state.computeIfAbsent(p.name(), n -> {
            NDArray[] s = new NDArray[slotNames().size()];
            for (int i = 0; i < s.length; i++) {
                Shape shape = slotShape(i, p.array().getShape());
                // same dtype as the parameter, bf16 included (created by a kernel: DJL cannot name bf16)
                s[i] = shape.dimension() == 0 ? stateManager.zeros(shape, DataType.FLOAT32)
                        : kernels.zerosLike(p.array());
                NDScope.unregister(s[i]);
                s[i].attach(stateManager);
            }
            return s;
        });
    }

    @Override
    public void zeroGrad() {
        try (NDScope scope = new NDScope()) {
            List<NDArray> grads = new ArrayList<>();
            for (ParameterGroup g : groups) {
                for (TrainableParameter p : g.params()) {
                    NDArray grad = p.array().getGradient();
                    if (grad != null) {
                        grads.add(grad);
                    }
                }
            }
            if (!grads.isEmpty()) {
                kernels.zero(grads);
            }
        }
    }

    @Override
    public long stateBytes() {
        long bytes = 0;
        for (NDArray[] slots : state.values()) {
            for (NDArray a : slots) {
                bytes += a.size() * a.getDataType().getNumOfBytes();
            }
        }
        return bytes;
    }

    @Override
    public Map<String, Map<String, StoredTensor>> state() {
        Map<String, Map<String, StoredTensor>> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray[]> e : state.entrySet()) {
            Map<String, StoredTensor> slots = new LinkedHashMap<>();
            for (int i = 0; i < e.getValue().length; i++) {
                slots.put(slotNames().get(i), stored(e.getValue()[i], kernels));
            }
            out.put(e.getKey(), slots);
        }
        return out;
    }

    @Override
    public void loadState(Map<String, Map<String, StoredTensor>> loaded) {
        for (Map.Entry<String, Map<String, StoredTensor>> e : loaded.entrySet()) {
            TrainableParameter p = byName.get(e.getKey());
            if (p == null) {
                throw new OptimizerException("optimizer state names parameter '" + e.getKey()
                        + "', which is not trained in this run");
            }
            NDArray[] s = slotsOf(p);
            for (int i = 0; i < s.length; i++) {
                String slot = slotNames().get(i);
                StoredTensor t = e.getValue().get(slot);
                if (t == null) {
                    throw new OptimizerException("optimizer state of '" + e.getKey() + "' lacks '" + slot
                            + "'; expected " + slotNames());
                }
                if (!Arrays.equals(t.shape(), s[i].getShape().getShape())) {
                    throw new OptimizerException("optimizer state '" + slot + "' of '" + e.getKey() + "' has shape "
                            + Arrays.toString(t.shape()) + ", expected " + s[i].getShape());
                }
                try (NDScope scope = new NDScope()) {
                    NDArray src = stateManager.create(floats(t), s[i].getShape());
                    kernels.copyInto(s[i], src);
                }
            }
        }
    }

    private static float[] floats(StoredTensor t) {
        if (!t.dtype().isFloatingPoint()) {
            throw new OptimizerException("optimizer state tensors must be floating point, got " + t.dtype().torchName());
        }
        return t.toFloatArray();
    }

    /** A float32 (float64 for an fp64 model) copy; bf16 state is widened, so checkpoints keep their layout. */
    private static StoredTensor stored(NDArray x, KernelLibrary kernels) {
        long[] shape = x.getShape().getShape();
        try (NDScope scope = new NDScope()) {
            ScalarType type = kernels.scalarType(x);
            NDArray src = type == ScalarType.FLOAT64 || type == ScalarType.FLOAT32 ? x : kernels.floatCopy(x);
            DType dtype = type == ScalarType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32;
            ByteBuffer bytes = src.toByteBuffer();
            ByteBuffer b = ByteBuffer.allocate(bytes.remaining()).order(ByteOrder.LITTLE_ENDIAN);
            b.put(bytes.order(ByteOrder.LITTLE_ENDIAN));
            b.flip();
            return new StoredTensor(dtype, shape, b);
        }
    }

    @Override
    public void close() {
        stateManager.close();
        state.clear();
    }
}
