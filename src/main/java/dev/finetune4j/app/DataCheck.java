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

    /** The printable report and whether a training run would accept the data. */
    public record Report(String text, boolean ok) {
    }

    /**
     * Runs the data stages and returns the printable report; invalid data is reported, not thrown.
     *
     * @throws dev.finetune4j.data.DataFormatException when a data path cannot be read at all
     */
    public static Report run(RunConfig config) {
        try (HfTokenizer tokenizer = HfTokenizer.load(config.model());
             HfModelFolder folder = HfModelFolder.openConfigOnly(config.model())) {
            LlamaConfig modelConfig = LlamaConfig.fromJson(folder.config());
            int contextLength = config.resolveContextLength(modelConfig.maxPositionEmbeddings());
            PreparedData data = DatasetPreparer.validate(
                    RunOptions.data(config, contextLength, null, modelConfig.modelType()), tokenizer);
            String head = "model " + config.model() + " (" + modelConfig.modelType() + ", context_length "
                    + contextLength + ")\n";
            return new Report(head + data.format() + (data.ok() ? "OK: the data is ready for training\n"
                    : "FAILED: a training run would refuse this data\n"), data.ok());
        }
    }
}
