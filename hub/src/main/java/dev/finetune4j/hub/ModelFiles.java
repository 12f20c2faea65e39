package dev.finetune4j.hub;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which files of a model repository a run needs (docs/hub.md "What a model fetch takes"): the configs, the
 * tokenizer files and the safetensors weights with their index, all at the repository's top level (so not
 * {@code original/}, {@code *.gguf}, {@code *.pth}); {@code pytorch_model*.bin} only when there is no safetensors file.
 */
public final class ModelFiles {

    static final Set<String> NAMED = Set.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "vocab.json", "merges.txt", "added_tokens.json", "chat_template.json",
            "chat_template.jinja");

    private ModelFiles() {
    }

    /** The selection for a repository holding {@code files}. */
    public static Predicate<String> forRun(List<String> files) {
        boolean safetensors = files.stream().anyMatch(f -> topLevel(f) && f.endsWith(".safetensors"));
        return f -> topLevel(f) && (NAMED.contains(f) || f.endsWith(".safetensors") || f.endsWith(".safetensors.index.json")
                || (!safetensors && f.startsWith("pytorch_model") && (f.endsWith(".bin") || f.endsWith(".bin.index.json"))));
    }

    /** The selection for a tokenizer only: the configs and tokenizer files, no weights. */
    public static Predicate<String> forTokenizer() {
        return f -> topLevel(f) && NAMED.contains(f);
    }

    private static boolean topLevel(String f) {
        return f.indexOf('/') < 0;
    }
}
