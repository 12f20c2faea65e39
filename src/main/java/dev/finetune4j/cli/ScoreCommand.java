package dev.finetune4j.cli;

import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.device.Devices;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.DropoutOptions;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.engine.model.Precision;
import dev.finetune4j.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code finetune4j score}: the mean next-token loss of a model on a text file, printed as
 * {@code {"tokens": N, "loss": L}} (N = tokens of the encoded text, L = mean cross-entropy over the N-1 predicted
 * tokens, in nats). Texts longer than the window are scored in consecutive non-overlapping windows.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Computes the mean next-token loss of a model on a text file; prints {\"tokens\": N, \"loss\": L}.")
@SuppressWarnings("try") // the NDScope block frees each window's arrays on close
public final class ScoreCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Hugging Face model folder (config.json, weights, tokenizer).")
    Path model;

    @Option(names = "--text-file", required = true, description = "UTF-8 text to score.")
    Path textFile;

    @Option(names = "--precision", defaultValue = "fp32", description = "fp32 or bf16 (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

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
        ModelOptions options = new ModelOptions(Devices.resolve(device), Precision.parse(precision),
                DropoutOptions.NONE, null, false, 0);
        try (HfTokenizer tokenizer = HfTokenizer.load(model);
             HfModelFolder folder = HfModelFolder.open(model);
             CausalLm lm = CausalLm.load(folder, options)) {
            int[] ids = tokenizer.encode(text, true);
            if (ids.length < 2) {
                throw new IllegalArgumentException("--text-file " + textFile + " encodes to " + ids.length
                        + " token(s); scoring needs at least 2");
            }
            int span = Math.min(window, lm.config().maxPositionEmbeddings());
            double sum = 0;
            long count = 0;
            for (int start = 0; start < ids.length - 1; start += span) {
                int[] chunk = Arrays.copyOfRange(ids, start, Math.min(ids.length, start + span));
                if (chunk.length < 2) {
                    break;
                }
                try (NDScope scope = new NDScope()) {
                    Batch b = new Batch(1, chunk.length, chunk, chunk.clone(), positions(chunk.length),
                            new int[][] {{0, chunk.length}}, chunk.length, chunk.length - 1);
                    sum += lm.loss(b, false).sum().getFloat();
                    count += chunk.length - 1;
                }
            }
            ObjectNode out = new ObjectMapper().createObjectNode();
            out.put("tokens", ids.length);
            out.put("loss", sum / count);
            spec.commandLine().getOut().println(out);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }

    private static int[] positions(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }
}
