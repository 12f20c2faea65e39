package dev.finetune4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code finetune4j inspect}: Lists the tensors of a .pt/.safetensors file, sharded index or PEFT folder as JSON lines. */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Lists the tensors of a .pt/.safetensors file, sharded index or PEFT folder as JSON lines.")
public final class InspectCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", hidden = true)
    java.util.List<String> args;

    @Override
    public Integer call() {
        throw new NotImplementedException("'inspect'");
    }
}
