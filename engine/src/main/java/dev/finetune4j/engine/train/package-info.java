/**
 * The training loop: micro-batches accumulated into token-weighted global batches, global-norm clipping, the
 * optimizer and Composer-timed LR schedule, evaluation, early stopping, Composer checkpoints with exact resume, and
 * the final Hugging Face / PEFT export. Listeners receive lifecycle events and per-step metrics.
 */
package dev.finetune4j.engine.train;
