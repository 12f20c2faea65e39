package dev.finetune4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.engine.model.TextScorer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code finetune4j score}: the mean next-token loss of a model on a text file, printed as
 * {@code {"tokens": N, "loss": L}} (N = tokens of the encoded text, L = mean cross-entropy over the N-1 predicted
 * tokens, in nats). Texts longer than the window are scored in consecutive non-overlapping windows
 * ({@link TextScorer}).
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Computes the mean next-token loss of a model on a text file; prints {\"tokens\": N, \"loss\": L}.")
public final class ScoreCommand implements Callable<Integer> {

    @Mixin
    ModelFolderOptions modelFolder;

    @Option(names = "--text-file", required = true, description = "UTF-8 text to score.")
    Path textFile;

    @Option(names = "--window", defaultValue = "2048",
            description = "Tokens per forward pass, at most max_position_embeddings (default: ${DEFAULT-VALUE}).")
    int window;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(textFile)) {
            throw new IllegalArgumentException("--text-file " + textFile + " does not exist or is not a file");
        }
        if (window < 2) {
            throw new IllegalArgumentException("--window must be at least 2, got " + window);
        }
        String text = TokenizeCommand.readUtf8(textFile, "--text-file", spec);
        try (ModelFolderOptions.Opened opened = modelFolder.open()) {
            int[] ids = opened.tokenizer().encode(text, true);
            if (ids.length < 2) {
                throw new IllegalArgumentException("--text-file " + textFile + " encodes to " + ids.length
                        + " token(s); scoring needs at least 2");
            }
            TextScorer.Score score = TextScorer.score(opened.model(), ids, window);
            ObjectNode out = new ObjectMapper().createObjectNode();
            out.put("tokens", score.tokens());
            out.put("loss", score.loss());
            spec.commandLine().getOut().println(out);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
