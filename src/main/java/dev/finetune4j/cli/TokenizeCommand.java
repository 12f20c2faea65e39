package dev.finetune4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code finetune4j tokenize}: Encodes text with a model's tokenizer folder; prints {\"ids\": [...]}. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Encodes text with a model's tokenizer folder; prints {\"ids\": [...]}.")
public final class TokenizeCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", hidden = true)
    java.util.List<String> args;

    @Override
    public Integer call() {
        throw new NotImplementedException("'tokenize'");
    }
}
