package dev.finetune4j.engine.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** One rank's memory in a data-parallel job: ZeRO-1 divides the optimizer state, the exchange buffers count. */
class DataParallelPlanTest {
    private static final long GB = 1L << 30;

    /** Llama-3.1-8B full fine-tuning (bf16 masters, AdamW) on 64 GB: too big alone, fits on 8 ranks with ZeRO-1. */
    @Test
    void zeroOneDividesTheOptimizerStateByTheWorldSize() {
        MemoryPlan single = MemoryPlanner.estimate(new PlanInput(MemoryPlannerTest.llama31_8b(), 1, 2048, true, true,
                null, false, true, true, false, true));
        long adamBytes = single.trainableParameters() * 2 * 2; // exp_avg and exp_avg_sq in bf16
        assertEquals(adamBytes, single.optimizer());
        DataParallelPlan one = DataParallelPlan.of(single, 1, true, true);
        assertEquals(single.total(), one.total(), "one rank is the one-process plan");
        assertEquals(0, one.communication());

        DataParallelPlan ddp = DataParallelPlan.of(single, 8, false, true);
        DataParallelPlan zero = DataParallelPlan.of(single, 8, true, true);
        assertEquals(single.optimizer(), ddp.optimizer(), "plain data parallelism keeps the whole state on each rank");
        assertEquals((adamBytes + 7) / 8, zero.optimizer());
        assertEquals(single.gradients(), ddp.communication(), "one bucketed copy of the gradients");
        assertEquals(single.gradients() + single.gradients() / 8, zero.communication(),
                "NCCL reduce-scatter: input buckets plus this rank's output");
        assertTrue(ddp.total() >= single.total(), "exchange buffers only add");
        long saved = ddp.total() - zero.total();
        assertTrue(saved > adamBytes * 7 / 8 - single.gradients() / 8 - GB, "saved " + saved);
        assertTrue(single.total() > 64 * GB, "alone: " + single.total() / GB + " GB");
        assertTrue(zero.total() <= 64 * GB, "ZeRO-1 rank of 8: " + zero.total() / GB + " GB");
        assertTrue(ddp.total() > 64 * GB, "plain data-parallel rank: " + ddp.total() / GB + " GB");
    }

    /** gloo's reduce-scatter all-reduces a copy of its input: one more gradient copy on CPU ranks. */
    @Test
    void glooReduceScatterCountsItsCopy() {
        MemoryPlan single = MemoryPlanner.estimate(new PlanInput(MemoryPlannerTest.llama31_8b(), 1, 512, false,
                false, null, false, true, true, false, false));
        DataParallelPlan zero = DataParallelPlan.of(single, 2, true, false);
        assertEquals(2 * single.gradients() + single.gradients() / 2, zero.communication());
        assertEquals(single.optimizer() / 2, zero.optimizer());
    }
}
