package dev.finetune4j.app;

import dev.finetune4j.config.RunConfig;
import dev.finetune4j.data.DatasetPreparer;
import dev.finetune4j.data.PreparedData;

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
        try (ModelInputs in = ModelInputs.open(config, false)) {
            PreparedData data = DatasetPreparer.validate(
                    RunOptions.data(config, in.contextLength(), null, in.modelConfig().modelType()), in.tokenizer());
            String head = "model " + config.model() + " (" + in.modelConfig().modelType() + ", context_length "
                    + in.contextLength() + ")\n";
            return new Report(head + data.format() + (data.ok() ? "OK: the data is ready for training\n"
                    : "FAILED: a training run would refuse this data\n"), data.ok());
        }
    }
}
