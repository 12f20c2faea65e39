package dev.finetune4j.data;

import java.util.Locale;

/**
 * Token statistics of one split, as {@code finetune4j validate} prints them.
 *
 * @param examples          encoded examples kept (CPT: context windows)
 * @param tokens            tokens of those examples before truncation
 * @param minLength         shortest example in tokens (before truncation)
 * @param meanLength        mean example length
 * @param maxLength         longest example
 * @param overContext       examples longer than {@code context_length} (right-truncated)
 * @param tokensPerEpoch    tokens the model sees per epoch after truncation and packing (non-pad; what {@code tok}
 *                          durations count)
 * @param lossTokensPerEpoch tokens with a trained label per epoch
 * @param rows              rows per epoch after packing (or padding)
 * @param contextLength     the row width
 * @param paddingFraction   share of the {@code rows × contextLength} slots that are padding
 */
public record TokenStatistics(long examples, long tokens, int minLength, double meanLength, int maxLength,
                              long overContext, long tokensPerEpoch, long lossTokensPerEpoch, int rows,
                              int contextLength, double paddingFraction) {

    /** Packing efficiency: the share of row slots holding real tokens. */
    public double packingEfficiency() {
        return 1 - paddingFraction;
    }

    /** One block of text for the validate command. */
    public String format() {
        return String.format(Locale.ROOT,
                "examples: %d, tokens: %d, length min/mean/max: %d/%.1f/%d, over context_length %d: %d%n"
                        + "per epoch after packing: %d rows, %d tokens (%d trained), padding %.2f%%",
                examples, tokens, minLength, meanLength, maxLength, contextLength, overContext, rows, tokensPerEpoch,
                lossTokensPerEpoch, 100 * paddingFraction);
    }
}
