/**
 * What a run reports while it runs, as typed values: lifecycle {@link dev.finetune4j.engine.event.RunEvent}s and
 * per-step {@link dev.finetune4j.engine.event.Metrics}, delivered to {@link dev.finetune4j.engine.event.RunListener}s.
 * The trainer emits them directly; the application's sinks (JSON lines, TensorBoard, progress) and embedding
 * applications receive the same objects.
 */
package dev.finetune4j.engine.event;
