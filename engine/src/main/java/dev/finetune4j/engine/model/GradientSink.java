package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Receives the complete gradients of one block of parameters (a decoder layer, the LM head block, the embedding)
 * during {@link CausalLm#forwardBackward}, last block first, instead of having them accumulated into {@code .grad}
 * buffers: the optimizer can step the block right away and the gradients are freed with the step's scope.
 */
@FunctionalInterface
public interface GradientSink {

    /** {@code grads.get(i)} is the gradient of {@code params.get(i)} (already scaled by the loss scale). */
    void accept(List<TrainableParameter> params, List<NDArray> grads);
}
