package dev.finetune4j.run;

import dev.finetune4j.config.RunConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code metadata.json} records about a registered model besides name and version.
 *
 * @param baseModel the model it was fine-tuned from (path or id)
 * @param trainData the training data it saw
 * @param config    the resolved run configuration (snake_case keys)
 * @param metrics   final metrics, e.g. {@code loss/train}, {@code loss/eval}
 */
public record ModelMetadata(String baseModel, String trainData, Map<String, Object> config,
                            Map<String, Object> metrics) {

    /** Copies the maps. */
    public ModelMetadata {
        config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    /** Metadata of a finished run: base model and data from the config, the config itself, final metrics. */
    public static ModelMetadata of(RunConfig config, Map<String, ?> finalMetrics) {
        return new ModelMetadata(config.model().toString(), config.trainDataPath().toString(), config.toMap(),
                new LinkedHashMap<>(finalMetrics));
    }
}
