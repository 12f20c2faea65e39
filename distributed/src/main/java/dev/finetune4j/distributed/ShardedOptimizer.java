package dev.finetune4j.distributed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.model.TrainableParameter;
import dev.finetune4j.engine.optim.Optimizer;
import dev.finetune4j.engine.optim.ParameterGroup;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * ZeRO-1 (docs/distributed.md): the trainable tensors are dealt to the ranks (largest first, each to the rank holding
 * the fewest elements so far), each rank's optimizer holds and updates the state of its own tensors only, and after
 * every step the updated tensors are summed across the ranks with zeros from the non-owners, which copies each owner's
 * values everywhere exactly. Gradients arrive summed on every rank, so clipping is unchanged. For a checkpoint the
 * state is gathered to rank 0 the same way; on resume each rank keeps its share.
 */
@SuppressWarnings("try") // NDScope blocks are used for what they free on close
final class ShardedOptimizer implements Optimizer {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ShardedOptimizer.class);
    private final ProcessGroup group;
    private final List<ParameterGroup> groups;
    private final List<TrainableParameter> all = new ArrayList<>();
    private final Set<String> owned = new HashSet<>();
    private final Optimizer inner;
    private final long bucketBytes;
    private Map<String, Map<String, StoredTensor>> gathered;

    ShardedOptimizer(ProcessGroup group, List<ParameterGroup> groups,
                     Function<List<ParameterGroup>, Optimizer> factory, long bucketBytes) {
        this.group = group;
        this.groups = groups;
        this.bucketBytes = bucketBytes;
        groups.forEach(g -> all.addAll(g.params()));
        if (all.size() < group.size()) {
            throw new C10dException("fsdp.sharding: optimizer needs at least as many trainable tensors (" + all.size()
                    + ") as ranks (" + group.size() + ")");
        }
        owned.addAll(partition(all, group.rank(), group.size()));
        List<ParameterGroup> mine = new ArrayList<>();
        for (ParameterGroup g : groups) {
            ParameterGroup s = new ParameterGroup(g.name(), g.params().stream().filter(p -> owned.contains(p.name()))
                    .toList(), g.initialLr(), g.weightDecay());
            s.setLr(g.lr());
            mine.add(s);
        }
        this.inner = factory.apply(mine);
        LOG.info("ZeRO-1: rank {} holds the optimizer state of {} of {} trainable tensors", group.rank(),
                owned.size(), all.size());
    }

    /**
     * The tensors whose optimizer state {@code rank} holds: largest first, each to the rank with the fewest elements
     * so far (ties: the lower rank). The same on every rank, so no communication is needed.
     */
    static Set<String> partition(List<TrainableParameter> params, int rank, int world) {
        List<TrainableParameter> bySize = new ArrayList<>(params);
        bySize.sort(Comparator.comparingLong((TrainableParameter p) -> -p.array().size())
                .thenComparing(TrainableParameter::name));
        long[] load = new long[world];
        Set<String> out = new HashSet<>();
        for (TrainableParameter p : bySize) {
            int least = 0;
            for (int r = 1; r < world; r++) {
                if (load[r] < load[least]) {
                    least = r;
                }
            }
            load[least] += p.array().size();
            if (least == rank) {
                out.add(p.name());
            }
        }
        return out;
    }

    @Override
    public String composerName() {
        return inner.composerName(); // the sharded optimizer is saved as the optimizer it wraps
    }

    @Override
    public Map<String, Object> groupDefaults() {
        return inner.groupDefaults();
    }

    /** Not available: optimizer_in_backward is refused in distributed jobs (the trainer says so first). */
    @Override
    public void step(List<TrainableParameter> params, List<NDArray> grads) {
        throw new UnsupportedOperationException("optimizer_in_backward is not supported with fsdp.sharding: optimizer");
    }

    @Override
    public void step() {
        inner.step();
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDScope scope = new NDScope()) {
            List<NDArray> targets = new ArrayList<>();
            List<NDArray> sources = new ArrayList<>();
            for (TrainableParameter p : all) {
                if (p.array().getGradient() == null) {
                    continue; // not updated on any rank this step
                }
                targets.add(p.array());
                sources.add(owned.contains(p.name()) ? p.array() : p.array().zerosLike());
            }
            Buckets.allReduce(group, targets, sources, bucketBytes, List.of());
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    @Override
    public void zeroGrad() {
        try (NDScope scope = new NDScope()) {
            List<NDArray> grads = new ArrayList<>();
            for (TrainableParameter p : all) {
                NDArray g = p.array().getGradient();
                if (g != null) {
                    grads.add(g);
                }
            }
            if (!grads.isEmpty()) {
                KernelLibrary.of(grads.get(0)).zero(grads);
            }
        }
    }

    @Override
    public List<ParameterGroup> groups() {
        return groups;
    }

    @Override
    public void setLr(int index, double lr) {
        groups.get(index).setLr(lr);
        inner.setLr(index, lr);
    }

    /** Collective: every rank calls it; afterwards rank 0's {@link #state()} is the whole optimizer state. */
    void gatherState() {
        Map<String, Map<String, StoredTensor>> mine = inner.state();
        double[] counts = sumAll(new double[] {mine.size()});
        if (counts[0] == 0) {
            gathered = Map.of(); // no step yet on any rank
            return;
        }
        if (mine.isEmpty()) {
            throw new C10dException("rank " + group.rank() + " holds no optimizer state while other ranks do");
        }
        Map<String, StoredTensor> template = mine.values().iterator().next();
        Map<String, Map<String, StoredTensor>> out = new LinkedHashMap<>();
        try (NDScope scope = new NDScope(); NDManager m = NDManager.newBaseManager()) {
            List<NDArray> arrays = new ArrayList<>();
            List<String[]> keys = new ArrayList<>();
            for (TrainableParameter p : all) {
                Map<String, StoredTensor> slots = mine.get(p.name());
                for (Map.Entry<String, StoredTensor> slot : template.entrySet()) {
                    NDArray a;
                    if (slots != null) {
                        StoredTensor t = slots.get(slot.getKey());
                        a = m.create(t.toFloatArray(), new Shape(t.shape()));
                    } else {
                        Shape shape = slot.getValue().shape().length == 0 ? new Shape() : p.array().getShape();
                        a = m.zeros(shape, DataType.FLOAT32);
                    }
                    arrays.add(a);
                    keys.add(new String[] {p.name(), slot.getKey()});
                }
            }
            group.allReduceSum(arrays);
            if (group.rank() == 0) {
                for (int i = 0; i < arrays.size(); i++) {
                    NDArray a = arrays.get(i);
                    out.computeIfAbsent(keys.get(i)[0], k -> new LinkedHashMap<>()).put(keys.get(i)[1],
                            StoredTensor.ofFloats(a.getShape().getShape(), a.toFloatArray()));
                }
            }
        }
        gathered = out;
    }

    private double[] sumAll(double[] v) {
        try (NDScope scope = new NDScope(); NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(v);
            group.allReduceSum(List.of(a));
            return a.toDoubleArray();
        }
    }

    @Override
    public Map<String, Map<String, StoredTensor>> state() {
        if (gathered == null) {
            throw new IllegalStateException("the sharded optimizer state is read after gatherState()");
        }
        Map<String, Map<String, StoredTensor>> s = gathered;
        gathered = null;
        return s;
    }

    @Override
    public void loadState(Map<String, Map<String, StoredTensor>> state) {
        Map<String, Map<String, StoredTensor>> mine = new LinkedHashMap<>();
        state.forEach((name, slots) -> {
            if (owned.contains(name)) {
                mine.put(name, slots);
            }
        });
        inner.loadState(mine);
    }

    @Override
    public void close() {
        inner.close();
    }
}
