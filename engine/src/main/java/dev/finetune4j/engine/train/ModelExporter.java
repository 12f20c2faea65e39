package dev.finetune4j.engine.train;

import dev.finetune4j.engine.model.CausalLm;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the application puts into checkpoints besides the training state, and how it writes the final model: the
 * trainer knows neither the base model folder nor the tokenizer files these need.
 */
public interface ModelExporter {

    /** {@code state['integrations']} of each checkpoint (e.g. the huggingface config and tokenizer). */
    Map<String, Object> integrations(CausalLm model);

    /** {@code state['metadata']} of each checkpoint. */
    Map<String, Object> metadata(CausalLm model);

    /** Writes the final model (HF folder, PEFT adapter, or merged folder) to {@code dir}; returns the folder. */
    Path export(CausalLm model, Path dir, boolean mergeLora);
}
