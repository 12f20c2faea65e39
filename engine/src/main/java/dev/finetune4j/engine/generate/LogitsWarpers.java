package dev.finetune4j.engine.generate;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * HF's sampling warpers on one row of scores (docs/training.md §11), in place; removed entries become
 * {@code -Infinity}. {@code min_tokens_to_keep} is 1.
 */
public final class LogitsWarpers {

    private LogitsWarpers() {
    }

    /** {@code TemperatureLogitsWarper}: scores / T (skipped when T == 1). */
    public static void temperature(double[] scores, double t) {
        if (t == 1.0) {
            return;
        }
        for (int i = 0; i < scores.length; i++) {
            scores[i] /= t;
        }
    }

    /** {@code TopKLogitsWarper}: removes scores below the k-th largest (ties at the k-th value are kept). */
    public static void topK(double[] scores, int k) {
        if (k <= 0) {
            return;
        }
        int keep = Math.min(Math.max(k, 1), scores.length);
        double[] sorted = scores.clone();
        Arrays.sort(sorted);
        double kth = sorted[sorted.length - keep];
        for (int i = 0; i < scores.length; i++) {
            if (scores[i] < kth) {
                scores[i] = Double.NEGATIVE_INFINITY;
            }
        }
    }

    /**
     * {@code TopPLogitsWarper}: sort ascending, cumulative softmax; remove where the cumulative probability is
     * {@code <= 1 - p}, always keeping the highest-scoring token.
     */
    public static void topP(double[] scores, double p) {
        if (p >= 1.0) {
            return;
        }
        Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));   // stable, ascending
        double[] probs = softmax(scores);
        double cum = 0;
        boolean[] remove = new boolean[scores.length];
        for (int j = 0; j < order.length; j++) {
            cum += probs[order[j]];
            remove[j] = cum <= 1 - p;
        }
        remove[order.length - 1] = false;
        for (int j = 0; j < order.length; j++) {
            if (remove[j]) {
                scores[order[j]] = Double.NEGATIVE_INFINITY;
            }
        }
    }

    /** Softmax in double ({@code -Infinity} → probability 0). */
    public static double[] softmax(double[] scores) {
        double max = Double.NEGATIVE_INFINITY;
        for (double s : scores) {
            max = Math.max(max, s);
        }
        double[] out = new double[scores.length];
        double sum = 0;
        for (int i = 0; i < scores.length; i++) {
            out[i] = scores[i] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(scores[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    /** Temperature → top-k → top-p, HF's order, then the sampling distribution. */
    public static double[] distribution(double[] scores, GenerationOptions o) {
        double[] s = scores.clone();
        temperature(s, o.temperature());
        topK(s, o.topK());
        topP(s, o.topP());
        return softmax(s);
    }
}
