package dev.finetune4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code finetune4j generate}: Generates text from a prompt with a model folder. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generates text from a prompt with a model folder.")
public final class GenerateCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", hidden = true)
    java.util.List<String> args;

    @Override
    public Integer call() {
        throw new NotImplementedException("'generate'");
    }
}
