package dev.finetune4j.engine.generate;

import dev.finetune4j.engine.model.ConfigException;
import java.util.List;

/**
 * Decoding settings with HF GenerationConfig semantics (docs/training.md §11): warpers apply only when
 * {@code doSample}; {@code topK = 0} and {@code topP = 1} disable those warpers; HF's default top_k is 50.
 *
 * @param eosIds generation stops after any of these ids is produced (it is included in the output)
 */
public record GenerationOptions(int maxNewTokens, boolean doSample, double temperature, int topK, double topP,
                                long seed, List<Integer> eosIds) {

    public GenerationOptions {
        if (maxNewTokens < 0) {
            throw new ConfigException("max_new_tokens must be >= 0, got " + maxNewTokens);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new ConfigException("temperature must be a positive number, got " + temperature);
        }
        if (topK < 0) {
            throw new ConfigException("top_k must be >= 0 (0 disables it), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new ConfigException("top_p must be in (0, 1], got " + topP);
        }
        eosIds = eosIds == null ? List.of() : List.copyOf(eosIds);
    }

    /** Greedy decoding of up to {@code maxNewTokens}. */
    public static GenerationOptions greedy(int maxNewTokens, List<Integer> eosIds) {
        return new GenerationOptions(maxNewTokens, false, 1.0, 50, 1.0, 0, eosIds);
    }
}
