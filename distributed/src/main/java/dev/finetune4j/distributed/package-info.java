/**
 * Data-parallel training over PyTorch's own distributed engine: a small JNI bridge to c10d's TCPStore and
 * ProcessGroupGloo in the libtorch DJL loaded ({@link dev.finetune4j.distributed.C10d}), torchrun's environment
 * ({@link dev.finetune4j.distributed.TorchrunEnv}), process groups and the trainer's gradient all-reduce
 * ({@link dev.finetune4j.distributed.GlooDataParallel}). See docs/distributed.md.
 */
package dev.finetune4j.distributed;
