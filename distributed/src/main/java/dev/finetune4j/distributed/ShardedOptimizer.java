package dev.finetune4j.distributed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.model.TrainableParameter;
import dev.finetune4j.engine.optim.GradientClipping;
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
 * ZeRO-1 (docs/distributed.md, "ZeRO-1"): the trainable tensors are dealt to the ranks (largest first, each to the
 * rank holding the fewest elements so far) and each rank's optimizer holds and updates the state of its own tensors
 * only. Per step: the gradients are reduce-scattered in {@link ShardBuckets} (each rank receives the cross-rank sum
 * of its own tensors' gradients only), the global norm for clipping is the square root of the ranks' summed squared
 * shard norms, each rank steps its shard, and the updated tensors are all-gathered to every rank. For a checkpoint
 * the state is gathered to rank 0; on resume each rank keeps its share.
 */
@SuppressWarnings("try") // NDScope blocks are used for what they free on close
final class ShardedOptimizer implements Optimizer {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ShardedOptimizer.class);
    private final ProcessGroup group;
    private final List<ParameterGroup> groups;
    private final List<TrainableParameter> all = new ArrayList<>();
    private final Set<String> owned = new HashSet<>();
    private final List<TrainableParameter> mineOnly = new ArrayList<>();
    private final List<ShardBuckets.Bucket> buckets;
    private final Optimizer inner;
    private final long chunkBytes;
    private boolean reported;
    private Map<String, Map<String, StoredTensor>> gathered;

    ShardedOptimizer(ProcessGroup group, List<ParameterGroup> groups,
                     Function<List<ParameterGroup>, Optimizer> factory, long bucketBytes) {
        this.group = group;
        this.groups = groups;
        groups.forEach(g -> all.addAll(g.params()));
        if (all.size() < group.size()) {
            throw new C10dException("fsdp.sharding: optimizer needs at least as many trainable tensors (" + all.size()
                    + ") as ranks (" + group.size() + ")");
        }
        int[] owner = owners(all, group.size());
        for (int i = 0; i < all.size(); i++) {
            if (owner[i] == group.rank()) {
                owned.add(all.get(i).name());
                mineOnly.add(all.get(i));
            }
        }
        this.buckets = ShardBuckets.plan(all, owner, group.size(), bucketBytes);
        this.chunkBytes = bucketBytes;
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
        int[] owner = owners(params, world);
        Set<String> out = new HashSet<>();
        for (int i = 0; i < owner.length; i++) {
            if (owner[i] == rank) {
                out.add(params.get(i).name());
            }
        }
        return out;
    }

    /** The owning rank of each of {@code params} (parallel to it), dealt as {@link #partition} describes. */
    static int[] owners(List<TrainableParameter> params, int world) {
        List<Integer> bySize = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            bySize.add(i);
        }
        bySize.sort(Comparator.comparingLong((Integer i) -> -params.get(i).array().size())
                .thenComparing(i -> params.get(i).name()));
        long[] load = new long[world];
        int[] owner = new int[params.size()];
        for (int i : bySize) {
            int least = 0;
            for (int r = 1; r < world; r++) {
                if (load[r] < load[least]) {
                    least = r;
                }
            }
            load[least] += params.get(i).array().size();
            owner[i] = least;
        }
        return owner;
    }

    /**
     * Collective: reduce-scatters the gradients (each rank receives the summed gradients of the tensors it owns into
     * their {@code .grad}; the others' gradients stay this rank's partial sums and are not used) and sums the loss.
     *
     * @return the job's loss sum
     */
    double reduceScatterGradients(double lossSum) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDScope scope = new NDScope()) {
            NDManager m = NDManager.subManagerOf(all.get(0).array());
            List<NDArray> inputs = new ArrayList<>();
            List<NDArray> outputs = new ArrayList<>();
            boolean anyGradient = false;
            for (ShardBuckets.Bucket b : buckets) {
                NDList parts = new NDList();
                for (int r = 0; r < group.size(); r++) {
                    for (TrainableParameter p : b.segments().get(r)) {
                        NDArray g = p.array().getGradient();
                        anyGradient |= g != null;
                        parts.add(g != null ? g.reshape(-1) : m.zeros(new Shape(p.array().size()), b.dtype()));
                    }
                    long pad = b.padding(r);
                    if (pad > 0) {
                        parts.add(m.zeros(new Shape(pad), b.dtype()));
                    }
                }
                inputs.add(parts.size() == 1 ? parts.get(0).duplicate() : NDArrays.concat(parts));
                outputs.add(m.zeros(new Shape(b.segmentLength()), b.dtype()));
            }
            NDArray loss = m.create(new double[] {lossSum});
            group.allReduceSum(List.of(loss));
            if (!anyGradient) {
                return loss.toDoubleArray()[0]; // no backward ran on any rank (no trained tokens in the batch)
            }
            group.reduceScatterSum(outputs, inputs);
            for (int i = 0; i < buckets.size(); i++) {
                long offset = 0;
                for (TrainableParameter p : buckets.get(i).segments().get(group.rank())) {
                    NDArray g = p.array().getGradient();
                    long n = p.array().size();
                    if (g != null) {
                        NDArray part = outputs.get(i).get(new NDIndex("{}:{}", offset, offset + n));
                        KernelLibrary.of(g).copyInto(g, part.reshape(g.getShape()));
                    }
                    offset += n;
                }
            }
            return loss.toDoubleArray()[0];
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    /**
     * Collective: the global gradient norm (the square root of the ranks' summed squared norms of their own tensors'
     * summed gradients), and with {@code clipVal > 0} the own gradients scaled by {@code min(1, clipVal/(norm +
     * 1e-6))}, as {@code clip_grad_norm_} does over all gradients in one process.
     */
    double clipGradients(double clipVal) {
        List<NDArray> grads = new ArrayList<>();
        try (NDScope scope = new NDScope()) {
            for (TrainableParameter p : mineOnly) {
                NDArray g = p.array().getGradient();
                if (g != null) {
                    grads.add(g);
                }
            }
            double local = GradientClipping.norm(grads);
            double total = Math.sqrt(sumAll(new double[] {local * local})[0]);
            if (clipVal > 0 && Double.isFinite(total)) {
                double coef = clipVal / (total + 1e-6);
                if (coef < 1) {
                    boolean was = JniUtils.isGradMode();
                    JniUtils.setGradMode(false);
                    try {
                        for (NDArray g : grads) {
                            g.muli((float) coef);
                        }
                    } finally {
                        JniUtils.setGradMode(was);
                    }
                }
            }
            return total;
        }
    }

    /** Bytes of the optimizer state this rank holds (its arrays as allocated). */
    long localStateBytes() {
        return inner.stateBytes();
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

    /** Steps this rank's shard, then all-gathers every rank's updated tensors (a collective). */
    @Override
    public void step() {
        inner.step();
        if (!reported) {
            reported = true;
            LOG.info("ZeRO-1: rank {} holds {} bytes of optimizer state", group.rank(), inner.stateBytes());
        }
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDScope scope = new NDScope()) {
            NDManager m = NDManager.subManagerOf(all.get(0).array());
            List<NDArray> inputs = new ArrayList<>();
            List<NDArray> outputs = new ArrayList<>();
            for (ShardBuckets.Bucket b : buckets) {
                NDList parts = new NDList();
                for (TrainableParameter p : b.segments().get(group.rank())) {
                    parts.add(p.array().reshape(-1));
                }
                long pad = b.padding(group.rank());
                if (pad > 0) {
                    parts.add(m.zeros(new Shape(pad), b.dtype()));
                }
                inputs.add(parts.size() == 1 ? parts.get(0).duplicate() : NDArrays.concat(parts));
                outputs.add(m.zeros(new Shape(b.segmentLength() * group.size()), b.dtype()));
            }
            group.allGather(outputs, inputs);
            for (int i = 0; i < buckets.size(); i++) {
                ShardBuckets.Bucket b = buckets.get(i);
                for (int r = 0; r < group.size(); r++) {
                    if (r == group.rank()) {
                        continue;
                    }
                    long offset = r * b.segmentLength();
                    for (TrainableParameter p : b.segments().get(r)) {
                        NDArray t = p.array();
                        NDArray part = outputs.get(i).get(new NDIndex("{}:{}", offset, offset + t.size()));
                        KernelLibrary.of(t).copyInto(t, part.reshape(t.getShape()));
                        offset += t.size();
                    }
                }
            }
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
        // in chunks of at most one bucket, so that no rank ever holds more than its share plus one chunk
        try (NDManager m = NDManager.newBaseManager(group.device())) {
            List<NDArray> arrays = new ArrayList<>();
            List<String[]> keys = new ArrayList<>();
            long bytes = 0;
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
                    bytes += a.size() * 4;
                }
                if (bytes >= chunkBytes) {
                    gatherChunk(arrays, keys, out);
                    bytes = 0;
                }
            }
            gatherChunk(arrays, keys, out);
        }
        gathered = out;
    }

    /** Sums one chunk of the state slots across the ranks (zeros from non-owners); rank 0 keeps the result. */
    private void gatherChunk(List<NDArray> arrays, List<String[]> keys, Map<String, Map<String, StoredTensor>> out) {
        if (arrays.isEmpty()) {
            return;
        }
        group.allReduceSum(arrays);
        for (int i = 0; i < arrays.size(); i++) {
            NDArray a = arrays.get(i);
            if (group.rank() == 0) {
                out.computeIfAbsent(keys.get(i)[0], k -> new LinkedHashMap<>()).put(keys.get(i)[1],
                        StoredTensor.ofFloats(a.getShape().getShape(), a.toFloatArray()));
            }
            a.close();
        }
        arrays.clear();
        keys.clear();
    }

    private double[] sumAll(double[] v) {
        try (NDScope scope = new NDScope(); NDManager m = NDManager.newBaseManager(group.device())) {
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
