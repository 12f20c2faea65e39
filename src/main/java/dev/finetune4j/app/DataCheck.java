package dev.finetune4j.app;

import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.data.DatasetPreparer;
import dev.finetune4j.data.PreparedData;
import dev.finetune4j.engine.model.LlamaConfig;
import dev.finetune4j.tokenizer.HfTokenizer;

/** {@code finetune4j validate}: the data stages of a run (read, validate, tokenize, pack) without the model. */
public final class DataCheck {
    private DataCheck() {
    }

    /**
     * Runs the data stages and returns the printable report.
     *
     * @throws dev.finetune4j.data.DataValidationException when more samples are invalid than allowed
     */
    public static String run(RunConfig config) {
        try (HfTokenizer tokenizer = HfTokenizer.load(config.model());
             HfModelFolder folder = HfModelFolder.openConfigOnly(config.model())) {
            LlamaConfig modelConfig = LlamaConfig.fromJson(folder.config());
            int contextLength = config.resolveContextLength(modelConfig.maxPositionEmbeddings());
            PreparedData data = DatasetPreparer.prepare(RunOptions.data(config, contextLength, null), tokenizer);
            return "configuration OK: " + config.model() + " (" + modelConfig.modelType() + ", context_length "
                    + contextLength + ")\n" + data.format();
        }
    }
}
