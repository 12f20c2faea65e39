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
}
