/**
 * Memory planning: what a training step will hold on its device, per component, computed from a model's
 * {@code config.json} and the run's settings alone, without loading weights (docs/training.md, "Memory").
 */
package dev.finetune4j.engine.plan;
