package dev.finetune4j.cli;

import dev.finetune4j.fetch.HubInputs;
import dev.finetune4j.app.CheckpointExport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code finetune4j export CHECKPOINT --model BASE_DIR --out DIR [--merge]}. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Exports a Composer checkpoint to a Hugging Face folder or PEFT adapter.")
public final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CHECKPOINT",
            description = "Composer checkpoint: .pt file, *.symlink file or sharded .distcp folder.")
    Path checkpoint;

    @Option(names = "--model", required = true, paramLabel = "BASE_DIR",
            description = "The base Hugging Face model folder the run started from (config and tokenizer files), or its Hub id.")
    String model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (must not exist).")
    Path out;

    @Option(names = "--merge", description = "For LoRA checkpoints: write a merged model folder instead of a PEFT "
            + "adapter.")
    boolean merge;

    @Override
    public Integer call() {
        if (java.nio.file.Files.exists(out)) {
            throw new IllegalArgumentException("--out " + out + " already exists; choose a new folder");
        }
        CheckpointExport.Exported e = CheckpointExport.export(checkpoint, HubInputs.modelFolder(model, false), out, merge);
        System.out.println("wrote " + e.kind() + " (" + e.tensors() + " tensors) to " + e.dir());
        return 0;
    }
}
