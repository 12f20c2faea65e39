package dev.finetune4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code finetune4j render-chat}: Renders a conversation with a chat template, byte-exact, on stdout. */
@Command(name = "render-chat", mixinStandardHelpOptions = true, description = "Renders a conversation with a chat template, byte-exact, on stdout.")
public final class RenderChatCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", hidden = true)
    java.util.List<String> args;

    @Override
    public Integer call() {
        throw new NotImplementedException("'render-chat'");
    }
}
