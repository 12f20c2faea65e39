package dev.finetune4j.engine.optim;

import ai.djl.ndarray.NDArray;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.engine.model.TrainableParameter;
import java.util.List;
import java.util.Map;

/**
 * An optimizer over parameter groups, updating parameters in place from their gradients (grad mode off). Parameters
 * without a gradient are skipped, like torch's {@code p.grad is None}. State is created at a parameter's first update.
 */
public interface Optimizer extends AutoCloseable {

    /** The optimizer's class name, the key of its state in a Composer checkpoint ({@code state['optimizers']}). */
    String composerName();

    /**
     * The constructor defaults every param group of a Composer checkpoint carries besides {@code lr} and
     * {@code weight_decay}, in the optimizer's constructor order (docs/formats.md §3.3).
     */
    Map<String, Object> groupDefaults();

    /** Applies one update with each group's current learning rate. */
    void step();

    /**
     * Updates only {@code params} from the given gradients (not their {@code .grad} buffers), each with its group's
     * current learning rate: the optimizer-in-backward step of one block (docs/training.md, "Memory").
     */
    void step(List<TrainableParameter> params, List<NDArray> grads);

    /** Zeroes every gradient buffer in place (DJL never does). */
    void zeroGrad();

    List<ParameterGroup> groups();

    /** Sets the current lr of group {@code index}. */
    default void setLr(int index, double lr) {
        groups().get(index).setLr(lr);
    }

    /** The per-parameter state by parameter name, e.g. {@code {"exp_avg": tensor}}; float32 copies. */
    Map<String, Map<String, StoredTensor>> state();

    /** Bytes of the state arrays this optimizer holds now (as allocated, e.g. bf16 state at 2 bytes an element). */
    default long stateBytes() {
        long bytes = 0;
        for (Map<String, StoredTensor> slots : state().values()) {
            for (StoredTensor t : slots.values()) {
                bytes += t.byteSize();
            }
        }
        return bytes;
    }

    /** Restores state written by {@link #state()} (names must match; shapes are checked). */
    void loadState(Map<String, Map<String, StoredTensor>> state);

    /** Frees the state arrays. */
    @Override
    void close();
}
