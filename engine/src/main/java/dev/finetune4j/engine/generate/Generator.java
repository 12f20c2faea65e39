package dev.finetune4j.engine.generate;

import ai.djl.ndarray.NDScope;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.KvCache;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Autoregressive decoding with the model's KV cache: the prompt is run once, then one token per step. Greedy picks
 * the argmax (warpers not applied); sampling applies {@link LogitsWarpers#distribution} and draws from it with a
 * seeded generator (the same seed gives the same output; it cannot reproduce torch.multinomial's stream).
 */
@SuppressWarnings("try") // NDScope blocks are used for what they free on close, not referenced
public final class Generator {

    private final CausalLm model;

    public Generator(CausalLm model) {
        this.model = model;
    }

    /** The generated ids after {@code prompt} (at most {@code maxNewTokens}; ends with the EOS id if one came). */
    public int[] generate(int[] prompt, GenerationOptions options) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt must hold at least one token");
        }
        SplittableRandom rnd = new SplittableRandom(options.seed());
        int[] out = new int[Math.min(options.maxNewTokens(), 256)]; // grows as tokens come: a huge limit costs nothing
        int n = 0;
        try (KvCache cache = model.newCache()) {
            int[] next = prompt;
            while (n < options.maxNewTokens()) {
                double[] scores;
                try (NDScope scope = new NDScope()) {
                    float[] logits = model.nextTokenLogits(next, cache).toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                            .toFloatArray();
                    scores = new double[logits.length];
                    for (int i = 0; i < logits.length; i++) {
                        scores[i] = logits[i];
                    }
                }
                int token = options.doSample() ? sample(LogitsWarpers.distribution(scores, options), rnd)
                        : argmax(scores);
                if (n == out.length) {
                    out = java.util.Arrays.copyOf(out, (int) Math.min(options.maxNewTokens(), 2L * out.length));
                }
                out[n++] = token;
                if (options.eosIds().contains(token)) {
                    break;
                }
                next = new int[] {token};
            }
        }
        return Arrays.copyOf(out, n);
    }

    static int argmax(double[] scores) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }

    static int sample(double[] probs, SplittableRandom rnd) {
        double u = rnd.nextDouble();
        double cum = 0;
        int last = 0;
        for (int i = 0; i < probs.length; i++) {
            if (probs[i] > 0) {
                cum += probs[i];
                last = i;
                if (u < cum) {
                    return i;
                }
            }
        }
        return last;
    }
}
