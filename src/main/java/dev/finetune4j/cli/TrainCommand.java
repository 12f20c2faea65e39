package dev.finetune4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code finetune4j train}: Trains a model from a run configuration (YAML or JSON). */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Trains a model from a run configuration (YAML or JSON).")
public final class TrainCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", hidden = true)
    java.util.List<String> args;

    @Override
    public Integer call() {
        throw new NotImplementedException("'train'");
    }
}
