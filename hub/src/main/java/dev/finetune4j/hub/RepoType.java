package dev.finetune4j.hub;

import java.util.Locale;

/** The kinds of Hub repository this client reads. */
public enum RepoType {
    MODEL("models", ""),
    DATASET("datasets", "datasets/");

    private final String plural;
    private final String urlPrefix;

    RepoType(String plural, String urlPrefix) {
        this.plural = plural;
        this.urlPrefix = urlPrefix;
    }

    /** {@code models} / {@code datasets}: the API path segment and the cache folder prefix. */
    public String plural() {
        return plural;
    }

    /** What comes before the repo id in a {@code resolve} URL: nothing for models, {@code datasets/} for datasets. */
    public String urlPrefix() {
        return urlPrefix;
    }

    /** Parses {@code model} / {@code dataset} (as {@code --repo-type} spells it). */
    public static RepoType parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "model", "models" -> MODEL;
            case "dataset", "datasets" -> DATASET;
            default -> throw new IllegalArgumentException("repo type must be model or dataset, found '" + s + "'");
        };
    }
}
