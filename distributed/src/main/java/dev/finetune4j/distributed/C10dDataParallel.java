package dev.finetune4j.distributed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import dev.finetune4j.engine.model.TrainableParameter;
import dev.finetune4j.engine.optim.Optimizer;
import dev.finetune4j.engine.optim.ParameterGroup;
import dev.finetune4j.engine.train.DataParallel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The trainer's data parallelism over a c10d {@link ProcessGroup} (gloo, or NCCL on CUDA): gradients summed across
 * the ranks in buckets ({@link Buckets}), or with ZeRO-1 ({@link ShardedOptimizer}) reduce-scattered so that each
 * rank steps and keeps the optimizer state of its share of the parameters only. See docs/distributed.md.
 */
@SuppressWarnings("try") // NDScope blocks are used for what they free on close
public final class C10dDataParallel implements DataParallel {
    /** PyTorch DDP's default bucket size. */
    public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

    private final ProcessGroup group;
    private final long bucketBytes;
    private final boolean shardOptimizerState;
    private ShardedOptimizer sharded;

    public C10dDataParallel(ProcessGroup group, long bucketBytes) {
        this(group, bucketBytes, false);
    }

    /** @param shardOptimizerState ZeRO-1: each rank holds and steps the optimizer state of its parameter shard */
    public C10dDataParallel(ProcessGroup group, long bucketBytes, boolean shardOptimizerState) {
        this.group = group;
        this.bucketBytes = bucketBytes;
        this.shardOptimizerState = shardOptimizerState;
    }

    @Override
    public int rank() {
        return group.rank();
    }

    @Override
    public int worldSize() {
        return group.size();
    }

    @Override
    public double reduceGradients(List<TrainableParameter> params, double lossSum) {
        if (sharded != null) {
            return sharded.reduceScatterGradients(lossSum);
        }
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDScope scope = new NDScope()) {
            List<NDArray> grads = new ArrayList<>();
            for (TrainableParameter p : params) {
                NDArray g = p.array().getGradient();
                if (g != null) { // null on every rank alike: no backward ran (no trained tokens in the batch)
                    grads.add(g);
                }
            }
            NDManager m = NDManager.subManagerOf(params.get(0).array());
            NDArray loss = m.create(new double[] {lossSum});
            Buckets.allReduce(group, grads, grads, bucketBytes, List.of(loss));
            return loss.toDoubleArray()[0];
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    @Override
    public double clipGradients(List<TrainableParameter> params, double clipVal) {
        return sharded != null ? sharded.clipGradients(clipVal) : DataParallel.super.clipGradients(params, clipVal);
    }

    /** ZeRO-1: bytes of the optimizer state this rank holds (float32 as checkpointed); without it, -1. */
    public long optimizerStateBytes() {
        return sharded != null ? sharded.localStateBytes() : -1;
    }

    @Override
    public double[] sum(double[] values) {
        try (NDScope scope = new NDScope(); NDManager m = NDManager.newBaseManager(group.device())) {
            NDArray a = m.create(values.clone());
            group.allReduceSum(List.of(a));
            return a.toType(DataType.FLOAT64, false).toDoubleArray();
        }
    }

    @Override
    public Optimizer optimizer(List<ParameterGroup> groups, Function<List<ParameterGroup>, Optimizer> factory) {
        if (!shardOptimizerState) {
            return factory.apply(groups);
        }
        sharded = new ShardedOptimizer(group, groups, factory, bucketBytes);
        return sharded;
    }

    @Override
    public void beforeCheckpoint(Optimizer optimizer) {
        if (optimizer instanceof ShardedOptimizer sharded) {
            sharded.gatherState();
        }
    }
}
