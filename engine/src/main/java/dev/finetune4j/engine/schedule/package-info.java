/**
 * Training time and learning-rate schedules with Composer semantics: time strings ({@link
import dev.finetune4j.checkpoint.composer.Timestamp;
 * dev.finetune4j.engine.schedule.Time}), the running Composer {@link dev.finetune4j.checkpoint.composer.Timestamp}, duration
 * conversion, warmup schedulers and the LambdaLR-style {@link dev.finetune4j.engine.schedule.LrSchedule} driver.
 * Pure Java (no DJL), so it tests fast; formulas follow docs/training.md §1–§2.
 */
package dev.finetune4j.engine.schedule;
