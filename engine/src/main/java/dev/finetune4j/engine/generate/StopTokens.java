package dev.finetune4j.engine.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.tokenizer.TextTokenizer;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The ids generation stops on, as HF gathers them: config.json's {@code eos_token_id} (int or list), then
 * generation_config.json's, then the tokenizer's EOS (chat models end turns with a token that only one of them
 * names, e.g. Llama-3's {@code <|eot_id|>}).
 */
public final class StopTokens {
    private StopTokens() {
    }

    public static List<Integer> of(ModelConfig config, Optional<ObjectNode> generationConfig,
                                   TextTokenizer tokenizer) {
        Set<Integer> eos = new LinkedHashSet<>(config.eosTokenIds());
        generationConfig.ifPresent(gc -> {
            JsonNode e = gc.get("eos_token_id");
            if (e != null && e.isArray()) {
                e.forEach(n -> eos.add(n.asInt()));
            } else if (e != null && e.isIntegralNumber()) {
                eos.add(e.asInt());
            }
        });
        tokenizer.eosTokenId().ifPresent(eos::add);
        return List.copyOf(eos);
    }
}
