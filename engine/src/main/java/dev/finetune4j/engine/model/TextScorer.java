package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDScope;
import dev.finetune4j.data.Batch;
import java.util.Arrays;

/**
 * The mean next-token loss of a model on a token sequence. Sequences longer than the window (at most the model's
 * {@code max_position_embeddings}) are scored in consecutive non-overlapping windows, each starting fresh at
 * position 0; a final window of one token predicts nothing and is skipped.
 */
@SuppressWarnings("try") // the NDScope block frees each window's arrays on close
public final class TextScorer {

    /**
     * @param tokens    tokens of the text
     * @param predicted tokens whose prediction was scored
     * @param loss      mean cross-entropy over them, in nats
     */
    public record Score(int tokens, long predicted, double loss) {
    }

    private TextScorer() {
    }

    /**
     * Scores {@code ids} with {@code model} in windows of {@code min(window, max_position_embeddings)} tokens.
     *
     * @throws IllegalArgumentException when {@code window < 2} or {@code ids} has fewer than 2 tokens
     */
    public static Score score(CausalLm model, int[] ids, int window) {
        if (window < 2) {
            throw new IllegalArgumentException("the window must be at least 2 tokens, got " + window);
        }
        if (ids.length < 2) {
            throw new IllegalArgumentException("scoring needs at least 2 tokens, got " + ids.length);
        }
        int span = Math.min(window, model.config().maxPositionEmbeddings());
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
                sum += model.loss(b, false).sum().getFloat();
                count += chunk.length - 1;
            }
        }
        return new Score(ids.length, count, sum / count);
    }

    private static int[] positions(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }
}
