package dev.finetune4j.engine.plan;

/**
 * One rank's memory in a data-parallel job of {@code worldSize} ranks (docs/distributed.md, "Memory"), derived from
 * the one-process {@link MemoryPlan}: every rank holds the weights and the full gradients; with ZeRO-1
 * ({@code fsdp.sharding: optimizer}) only its share of the optimizer state (the tensors are dealt whole, so a rank's
 * share is about 1/world). The gradient exchange needs buffers after backward, when the activations are already
 * freed, so the peak counts the larger of the two:
 * <ul>
 *   <li>all-reduce: the flat buckets, one copy of the gradients;</li>
 *   <li>ZeRO-1: the reduce-scatter's input buckets (one copy of the gradients) and output (1/world of them), plus on
 *       gloo the copy of the input c10d's gloo reduce-scatter all-reduces; the later all-gather needs one copy of
 *       the trainable weights and 1/world of them, which is not more.</li>
 * </ul>
 *
 * @param worldSize        ranks in the job
 * @param shardedOptimizer ZeRO-1
 * @param optimizer        this rank's optimizer state
 * @param communication    this rank's gradient-exchange buffers
 * @param overhead         runtime overhead with the rank's allocator slack
 * @param total            this rank's peak
 */
public record DataParallelPlan(int worldSize, boolean shardedOptimizer, long optimizer, long communication,
                               long overhead, long total) {

    /**
     * @param single the one-process plan of the same run
     * @param cuda   NCCL (a true reduce-scatter, no copy of the input) rather than gloo
     */
    public static DataParallelPlan of(MemoryPlan single, int worldSize, boolean shardedOptimizer, boolean cuda) {
        if (worldSize < 1) {
            throw new IllegalArgumentException("world size must be >= 1, got " + worldSize);
        }
        if (worldSize == 1) {
            return new DataParallelPlan(1, shardedOptimizer, single.optimizer(), 0, single.overhead(),
                    single.total());
        }
        long g = single.gradients();
        long optimizer = shardedOptimizer ? (single.optimizer() + worldSize - 1) / worldSize : single.optimizer();
        long communication = shardedOptimizer ? (cuda ? g : 2 * g) + (g + worldSize - 1) / worldSize : g;
        long resident = single.weights() + single.int8Base() + single.gradients();
        long transientPeak = single.total() - single.overhead() - resident - single.optimizer();
        long base = resident + optimizer + Math.max(transientPeak, communication);
        long overhead = (cuda ? MemoryPlanner.CUDA_BASE : MemoryPlanner.CPU_BASE)
                + (long) ((cuda ? MemoryPlanner.CUDA_SLACK : MemoryPlanner.SLACK) * base);
        return new DataParallelPlan(worldSize, shardedOptimizer, optimizer, communication, overhead, base + overhead);
    }
}
