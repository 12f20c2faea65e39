package dev.finetune4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code finetune4j score}: Computes the mean next-token loss of a model on a text file. */
@Command(name = "score", mixinStandardHelpOptions = true, description = "Computes the mean next-token loss of a model on a text file.")
public final class ScoreCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", hidden = true)
    java.util.List<String> args;

    @Override
    public Integer call() {
        throw new NotImplementedException("'score'");
    }
}
