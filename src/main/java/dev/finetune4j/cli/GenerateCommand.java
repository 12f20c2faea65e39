package dev.finetune4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.engine.generate.GenerationOptions;
import dev.finetune4j.engine.generate.Generator;
import dev.finetune4j.engine.generate.StopTokens;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.tokenizer.HfTokenizer;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code finetune4j generate}: continues a prompt with a model folder and prints the generated text. Decoding follows
 * HF: the folder's generation_config.json supplies defaults (do_sample, temperature, top_k, top_p, eos_token_id);
 * giving --temperature, --top-k or --top-p turns sampling on; otherwise decoding is greedy.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generates text from a prompt with a model folder.")
public final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ModelFolderOptions modelFolder;

    @Option(names = "--prompt", required = true, description = "Prompt text (special tokens such as BOS are added).")
    String prompt;

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "Tokens to generate at most (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", description = "Sampling temperature (turns sampling on).")
    Double temperature;

    @Option(names = "--top-k", description = "Top-k (0 = off; HF default 50 when sampling; turns sampling on).")
    Integer topK;

    @Option(names = "--top-p", description = "Nucleus probability in (0, 1] (turns sampling on).")
    Double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--do-sample", description = "Sample even without --temperature/--top-k/--top-p.")
    boolean doSample;

    @Option(names = "--greedy", description = "Greedy decoding even if generation_config.json asks for sampling.")
    boolean greedy;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        try (ModelFolderOptions.Opened opened = modelFolder.open()) {
            HfTokenizer tokenizer = opened.tokenizer();
            CausalLm lm = opened.model();
            GenerationOptions g = options(opened.folder().generationConfig(), lm, tokenizer);
            int[] ids = tokenizer.encode(prompt, true);
            int positions = lm.config().maxPositionEmbeddings();
            if (maxNewTokens < 1 || (long) ids.length + maxNewTokens > positions) {
                throw new IllegalArgumentException("--max-new-tokens " + maxNewTokens + " is not allowed: the prompt "
                        + "holds " + ids.length + " tokens and the model has " + positions
                        + " positions (max_position_embeddings), so at most " + Math.max(0, positions - ids.length)
                        + " new tokens fit");
            }
            int[] out = new Generator(lm).generate(ids, g);
            spec.commandLine().getOut().println(tokenizer.decode(out, true));
            spec.commandLine().getOut().flush();
        }
        return 0;
    }

    GenerationOptions options(Optional<ObjectNode> genConfig, CausalLm lm, HfTokenizer tokenizer) {
        ObjectNode gc = genConfig.orElse(null);
        boolean sample = gc != null && gc.path("do_sample").asBoolean(false);
        double t = gc != null && gc.hasNonNull("temperature") ? gc.get("temperature").asDouble() : 1.0;
        int k = gc != null && gc.hasNonNull("top_k") ? gc.get("top_k").asInt() : 50;
        double p = gc != null && gc.hasNonNull("top_p") ? gc.get("top_p").asDouble() : 1.0;
        if (temperature != null) {
            t = temperature;
            sample = true;
        }
        if (topK != null) {
            k = topK;
            sample = true;
        }
        if (topP != null) {
            p = topP;
            sample = true;
        }
        sample = (sample || doSample) && !greedy;
        return new GenerationOptions(maxNewTokens, sample, t, k, p, seed,
                StopTokens.of(lm.config(), genConfig, tokenizer));
    }
}
