package dev.finetune4j.engine.model;

/**
 * {@code rope_scaling} / {@code rope_parameters} of a config (docs/training.md §12.3). {@code type} is one of
 * {@code linear}, {@code dynamic}, {@code llama3}; the llama3 fields are 0 for the other types.
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositionEmbeddings) {

    public static final String LINEAR = "linear";
    public static final String DYNAMIC = "dynamic";
    public static final String LLAMA3 = "llama3";

    /** Refuses factors that would make the frequencies meaningless (zero, negative, infinite or NaN). */
    void validate() {
        if (!(factor > 0 && Double.isFinite(factor))) {
            throw new ConfigException("config.json rope_scaling.factor = " + factor + " is out of range; allowed: a "
                    + "finite number > 0");
        }
        if (type.equals(LLAMA3)) {
            if (!(lowFreqFactor > 0 && highFreqFactor > lowFreqFactor && Double.isFinite(highFreqFactor))) {
                throw new ConfigException("config.json rope_scaling low_freq_factor = " + lowFreqFactor
                        + " and high_freq_factor = " + highFreqFactor + " are out of range; allowed: 0 < "
                        + "low_freq_factor < high_freq_factor (finite)");
            }
            if (originalMaxPositionEmbeddings <= 0) {
                throw new ConfigException("config.json rope_scaling.original_max_position_embeddings = "
                        + originalMaxPositionEmbeddings + " is out of range; allowed: 1 or more");
            }
        }
    }
}
