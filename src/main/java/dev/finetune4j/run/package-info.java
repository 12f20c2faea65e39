/**
 * What a run leaves behind and shows while it runs: metrics and events as JSON lines, a TensorBoard event file,
 * a progress bar or log lines, and the registry of finished models. Sinks are {@link dev.finetune4j.engine.event.RunListener}s,
 * so embedding applications can attach their own.
 */
package dev.finetune4j.run;
