/**
 * Data-parallel training over PyTorch's own distributed engine: a small JNI bridge to c10d's TCPStore,
 * ProcessGroupGloo and ProcessGroupNCCL in the libtorch DJL loaded ({@link dev.finetune4j.distributed.C10d}),
 * torchrun's environment ({@link dev.finetune4j.distributed.TorchrunEnv}), process groups, the job's stop signal
 * ({@link dev.finetune4j.distributed.JobStop}) and the trainer's gradient exchange
 * ({@link dev.finetune4j.distributed.C10dDataParallel}). See docs/distributed.md.
 */
package dev.finetune4j.distributed;
