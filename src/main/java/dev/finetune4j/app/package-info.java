/**
 * The application's run pipeline: maps a {@link dev.finetune4j.config.RunConfig} onto the data, model and training
 * options of the modules, runs the training loop with the run folder's sinks, and exposes it to embedding code as
 * {@link dev.finetune4j.app.FineTune}.
 */
package dev.finetune4j.app;
