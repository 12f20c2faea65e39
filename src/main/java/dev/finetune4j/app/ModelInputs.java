package dev.finetune4j.app;

import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.tokenizer.HfTokenizer;

/**
 * What a run reads from its model folder: the tokenizer, the folder (weights memory-mapped when asked for and
 * present), the model config and the resolved context length.
 */
record ModelInputs(HfTokenizer tokenizer, HfModelFolder folder, ModelConfig modelConfig, int contextLength)
        implements AutoCloseable {

    /** @param withWeights map the weights when the folder has them (a folder without weights is a from-scratch run) */
    static ModelInputs open(RunConfig config, boolean withWeights) {
        HfTokenizer tokenizer = HfTokenizer.load(config.model());
        try {
            HfModelFolder folder = withWeights && HfModelFolder.hasWeights(config.model())
                    ? HfModelFolder.open(config.model()) : HfModelFolder.openConfigOnly(config.model());
            try {
                ModelConfig modelConfig = CausalLm.readConfig(folder);
                return new ModelInputs(tokenizer, folder, modelConfig,
                        config.resolveContextLength(modelConfig.maxPositionEmbeddings()));
            } catch (RuntimeException e) {
                folder.close();
                throw e;
            }
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            folder.close();
        } finally {
            tokenizer.close();
        }
    }
}
