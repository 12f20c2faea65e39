/**
 * Composer checkpoints (docs/formats.md §3): the {@code {'state': ..., 'rng': [...]}} torch.save layout with
 * model weights under {@code model.<hf name>}, optimizer state keyed by parameter FQN, the {@code Timestamp} and
 * {@code LambdaLR} state dicts; the {@code ep{E}-ba{B}-rank0.pt} naming, the {@code latest-rank0.pt} symlink and
 * {@code *.symlink} files, and weights-only loading (including sharded {@code .distcp} folders).
 */
package dev.finetune4j.checkpoint.composer;
