package dev.finetune4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code finetune4j export}: Exports a Composer checkpoint to a Hugging Face folder or PEFT adapter. */
@Command(name = "export", mixinStandardHelpOptions = true, description = "Exports a Composer checkpoint to a Hugging Face folder or PEFT adapter.")
public final class ExportCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", hidden = true)
    java.util.List<String> args;

    @Override
    public Integer call() {
        throw new NotImplementedException("'export'");
    }
}
