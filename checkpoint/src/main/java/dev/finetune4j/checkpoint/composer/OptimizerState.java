package dev.finetune4j.checkpoint.composer;

import dev.finetune4j.checkpoint.StoredTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An optimizer's state as Composer saves it ({@code state['optimizers'][name]}, docs/formats.md §3.3): per
 * parameter tensors (e.g. {@code exp_avg}) and the param groups.
 *
 * @param name {@code type(optimizer).__qualname__}, e.g. "DecoupledLionW"
 * @param state per parameter, keyed by HF parameter name (the writer adds the {@code model.} FQN prefix): state name
 *              → tensor
 * @param paramGroups param groups as Python values ({@code lr}, {@code betas}, {@code weight_decay},
 *                    {@code initial_lr}, …; {@code params} is a list of HF parameter names, written as FQNs)
 */
public record OptimizerState(String name, LinkedHashMap<String, Map<String, StoredTensor>> state,
                             List<Map<String, Object>> paramGroups) {
    public OptimizerState {
        state = new LinkedHashMap<>(state);
        paramGroups = List.copyOf(paramGroups);
    }
}
