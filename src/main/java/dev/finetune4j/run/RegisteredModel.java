package dev.finetune4j.run;

import java.nio.file.Path;

/**
 * One version of a registered model.
 *
 * @param name    the model name
 * @param version 1, 2, … in registration order
 * @param path    {@code <registry>/<name>/<version>/}, holding the model files and {@code metadata.json}
 */
public record RegisteredModel(String name, int version, Path path) {
}
