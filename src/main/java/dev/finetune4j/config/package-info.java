/**
 * The run configuration: {@link dev.finetune4j.config.RunConfig} and its nested records, loaded from YAML or JSON
 * with {@code --set key=value} overrides, validated with errors that name the file, the dotted key and what is
 * allowed, and written back as the resolved {@code run.yaml}. Keys follow the managed fine-tuning services.
 */
package dev.finetune4j.config;
