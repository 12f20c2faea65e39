package dev.finetune4j.engine.train;

import dev.finetune4j.engine.model.CausalLm;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the application adds around the loop: checkpoint integrations/metadata, the final export, and eval-prompt
 * sampling (which needs the tokenizer and chat template).
 */
public interface CheckpointHooks {

    /** {@code state['integrations']} of each checkpoint (e.g. the huggingface config and tokenizer). */
    Map<String, Object> integrations(CausalLm model);

    /** {@code state['metadata']} of each checkpoint. */
    Map<String, Object> metadata(CausalLm model);

    /** Writes the final model (HF folder, PEFT adapter, or merged folder) to {@code dir}; returns the folder. */
    Path export(CausalLm model, Path dir, boolean mergeLora);

    /** Generates an answer for each prompt; returns {prompt, completion} pairs (empty list when none). */
    List<Map<String, String>> samplePrompts(CausalLm model, List<String> prompts);
}
