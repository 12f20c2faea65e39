package dev.finetune4j.engine.plan;

/**
 * Bytes one training step holds, per component (docs/training.md, "Memory").
 *
 * @param parameters              base model parameters (a tied LM head counted once)
 * @param trainableParameters     parameters the optimizer updates (LoRA: the adapters)
 * @param weights                 all weights except the int8 base: masters (fp32/bf16), frozen fp base parts
 * @param trainableWeights        the part of {@code weights} that is trained
 * @param int8Base                int8 projection weights and their fp32 scales
 * @param gradients               gradient buffers (optimizer_in_backward: the largest block's, in flight)
 * @param optimizer               optimizer state
 * @param activations             saved activations of one micro-batch with the run's checkpointing setting
 * @param activationsPlain        the same without activation checkpointing
 * @param activationsCheckpointed the same with activation checkpointing
 * @param logits                  the LM head / loss chunk (logits, their softmax and gradient)
 * @param overhead                runtime: CUDA context or JVM + libtorch, allocator slack
 * @param total                   the peak: every component, except that with activation checkpointing the loss
 *                                chunk and the recomputed layer do not coexist (the larger one counts)
 */
public record MemoryPlan(long parameters, long trainableParameters, long weights, long trainableWeights,
                         long int8Base, long gradients, long optimizer, long activations, long activationsPlain,
                         long activationsCheckpointed, long logits, long overhead, long total) {
}
