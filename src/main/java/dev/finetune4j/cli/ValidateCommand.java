package dev.finetune4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code finetune4j validate}: Validates a run configuration and its data; prints the report and token statistics. */
@Command(name = "validate", mixinStandardHelpOptions = true, description = "Validates a run configuration and its data; prints the report and token statistics.")
public final class ValidateCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", hidden = true)
    java.util.List<String> args;

    @Override
    public Integer call() {
        throw new NotImplementedException("'validate'");
    }
}
