package dev.finetune4j.engine.train;

import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.model.TrainableParameter;
import dev.finetune4j.engine.optim.GradientClipping;
import dev.finetune4j.engine.optim.Optimizer;
import dev.finetune4j.engine.optim.ParameterGroup;
import java.util.List;
import java.util.function.Function;

/**
 * What the trainer needs from data-parallel training (docs/distributed.md): this rank's place in the job, its shard
 * of each global batch, and sums across ranks. {@link #SINGLE} is the one-process job; the c10d implementation lives
 * in the {@code distributed} module.
 */
public interface DataParallel {

    /** The one-process job: the whole batch, sums are identities. */
    DataParallel SINGLE = new DataParallel() {
        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int worldSize() {
            return 1;
        }

        @Override
        public double reduceGradients(List<TrainableParameter> params, double lossSum) {
            return lossSum;
        }

        @Override
        public double[] sum(double[] values) {
            return values;
        }
    };

    int rank();

    int worldSize();

    default boolean isMain() {
        return rank() == 0;
    }

    /**
     * This rank's rows of a global batch: the contiguous block {@code [rank*n/world, (rank+1)*n/world)}, so the
     * ranks' shards are disjoint, cover the batch, and follow the loader's (resumable) order; null when empty.
     */
    default Batch shard(Batch global) {
        if (worldSize() == 1) {
            return global;
        }
        int from = (int) ((long) rank() * global.rows() / worldSize());
        int to = (int) ((long) (rank() + 1) * global.rows() / worldSize());
        return to > from ? global.slice(from, to - from) : null;
    }

    /**
     * Sums every parameter's gradient across the ranks in place (ZeRO-1: only the gradients of the tensors this rank
     * steps), and the ranks' loss sums.
     *
     * @return the job's loss sum
     */
    double reduceGradients(List<TrainableParameter> params, double lossSum);

    /**
     * Global-norm gradient clipping over the job's gradients ({@code clipVal <= 0}: the norm only), after
     * {@link #reduceGradients}; returns the norm before clipping (non-finite: skip the step).
     */
    default double clipGradients(List<TrainableParameter> params, double clipVal) {
        return clipVal > 0 ? GradientClipping.clipGlobalNorm(params, clipVal) : GradientClipping.globalNorm(params);
    }

    /** Element-wise sums across the ranks (every rank gets the result). */
    double[] sum(double[] values);

    /** The optimizer over {@code groups} (ZeRO-1 implementations shard its state across the ranks). */
    default Optimizer optimizer(List<ParameterGroup> groups, Function<List<ParameterGroup>, Optimizer> factory) {
        return factory.apply(groups);
    }

    /** Called on every rank before rank 0 writes a checkpoint (a sharded optimizer gathers its state to rank 0). */
    default void beforeCheckpoint(Optimizer optimizer) {
    }
}
