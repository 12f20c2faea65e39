package dev.finetune4j.engine.train;

import dev.finetune4j.engine.model.CausalLm;
import java.util.List;
import java.util.Map;

/** Generates the model's answers to the run's eval prompts at each evaluation (needs the tokenizer and template). */
@FunctionalInterface
public interface PromptSampler {

    /** Samples nothing. */
    PromptSampler NONE = (model, prompts) -> List.of();

    /** Generates an answer for each prompt; returns {prompt, completion} pairs (empty list when none). */
    List<Map<String, String>> sample(CausalLm model, List<String> prompts);
}
