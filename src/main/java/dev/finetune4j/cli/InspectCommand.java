package dev.finetune4j.cli;

import dev.finetune4j.checkpoint.inspect.CheckpointInspector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code finetune4j inspect FILE}: lists the tensors of a .pt/.bin file, a .safetensors file, a sharded
 * {@code *.safetensors.index.json}, an HF model folder, a PEFT adapter folder or a sharded .distcp folder as JSON
 * lines {@code {"path","dtype","shape","sha256"}}.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Lists the tensors of a .pt/.safetensors file, sharded index or PEFT folder as JSON lines "
                + "{\"path\",\"dtype\",\"shape\",\"sha256\"} (sha256 over the row-major little-endian elements).")
public final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE",
            description = ".pt/.bin, .safetensors, *.safetensors.index.json, HF model folder, PEFT adapter folder "
                    + "or sharded .distcp folder")
    Path file;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        CheckpointInspector.inspect(file, s -> out.println(s.toJsonLine()));
        out.flush();
        return 0;
    }
}
