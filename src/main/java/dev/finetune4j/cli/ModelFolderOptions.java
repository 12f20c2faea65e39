package dev.finetune4j.cli;

import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.engine.device.Devices;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.engine.model.Precision;
import dev.finetune4j.fetch.HubInputs;
import dev.finetune4j.tokenizer.HfTokenizer;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options of every command that opens a model folder to run it ({@code score}, {@code generate}): the folder,
 * the compute precision and the device, and how they become an opened tokenizer, folder and model.
 */
public final class ModelFolderOptions {

    @Option(names = "--model", required = true, paramLabel = "DIR|ORG/NAME[@REV]",
            description = "Hugging Face model folder (config.json, weights, tokenizer), or a Hub model id.")
    String model;

    @Option(names = "--precision", defaultValue = "fp32", description = "fp32 or bf16 (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

    /** The model folder: the local folder, or the Hub model's snapshot folder (fetched when needed). */
    public Path model() {
        return HubInputs.modelFolder(model, false);
    }

    /** Inference options: the resolved device and precision, no dropout, no LoRA. */
    ModelOptions modelOptions() {
        return ModelOptions.on(Devices.resolve(device)).withPrecision(Precision.parse(precision));
    }

    /** The folder's tokenizer, the folder with its weights, and the model built from them; closed together. */
    Opened open() {
        ModelOptions options = modelOptions();
        Path dir = model();
        HfTokenizer tokenizer = HfTokenizer.load(dir);
        HfModelFolder folder = null;
        try {
            folder = HfModelFolder.open(dir);
            return new Opened(tokenizer, folder, CausalLm.load(folder, options));
        } catch (RuntimeException e) {
            if (folder != null) {
                folder.close();
            }
            tokenizer.close();
            throw e;
        }
    }

    /** An opened model folder. */
    record Opened(HfTokenizer tokenizer, HfModelFolder folder, CausalLm model) implements AutoCloseable {
        @Override
        public void close() {
            try (HfTokenizer t = tokenizer; HfModelFolder f = folder; CausalLm m = model) {
                // closes all three, model first
            }
        }
    }
}
