package dev.finetune4j.engine.train;

import dev.finetune4j.engine.schedule.Interval;
import dev.finetune4j.engine.schedule.Scheduler;
import dev.finetune4j.engine.schedule.Time;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything the training loop needs besides the model and the data, already validated and resolved (the
 * application maps its RunConfig onto this).
 *
 * @param runDir            the run folder (checkpoints/, huggingface/ go below it)
 * @param runName           Composer's run_name
 * @param microBatchSize    rows per forward/backward
 * @param globalBatchSize   rows per optimizer step (a multiple of microBatchSize)
 * @param duration          training_duration (ep, ba, sp, tok)
 * @param learningRate      the peak (initial) learning rate
 * @param optimizer         optimizer settings
 * @param scheduler         the LR schedule (Composer semantics, driven with LambdaLR timing)
 * @param gradientClipVal   max global grad norm; 0 or negative disables clipping (the norm is still computed)
 * @param evalInterval      when to evaluate (null = only at the end when eval data exists)
 * @param saveInterval      when to checkpoint (null = only at the end)
 * @param keepCheckpoints   how many checkpoints to keep (0 or negative = all)
 * @param autoresume        continue from checkpoints/latest-rank0.pt when it exists
 * @param earlyStopping     null = off
 * @param evalPrompts       prompts generated at every evaluation (rendered with the chat template)
 * @param seed              the run seed (shuffling, dropout)
 * @param loraPlusRatio     lr ratio of lora_B parameters (1 = plain LoRA)
 * @param logInterval       optimizer steps between metric lines
 * @param exportHuggingFace write huggingface/ba{N}/ at the end
 * @param mergeLoraOnExport export a merged model folder instead of a PEFT adapter for LoRA runs
 * @param memory            activation checkpointing and optimizer-in-backward
 */
public record TrainingSpec(Path runDir, String runName, int microBatchSize, int globalBatchSize, Time duration,
                           double learningRate, OptimizerSpec optimizer, Scheduler scheduler, double gradientClipVal,
                           Interval evalInterval, Interval saveInterval, int keepCheckpoints, boolean autoresume,
                           EarlyStoppingSpec earlyStopping, List<String> evalPrompts, long seed, double loraPlusRatio,
                           int logInterval, boolean exportHuggingFace, boolean mergeLoraOnExport,
                           MemorySpec memory) {

    public TrainingSpec {
        Objects.requireNonNull(runDir, "runDir");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(scheduler, "scheduler");
        if (microBatchSize < 1 || globalBatchSize < microBatchSize || globalBatchSize % microBatchSize != 0) {
            throw new IllegalArgumentException("global_batch_size (" + globalBatchSize + ") must be a positive multiple"
                    + " of micro_batch_size (" + microBatchSize + ")");
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning_rate must be > 0, got " + learningRate);
        }
        evalPrompts = evalPrompts == null ? List.of() : List.copyOf(evalPrompts);
        runName = runName == null ? runDir.getFileName().toString() : runName;
        logInterval = Math.max(1, logInterval);
        loraPlusRatio = loraPlusRatio <= 0 ? 1.0 : loraPlusRatio;
        memory = memory == null ? MemorySpec.DEFAULT : memory;
        if (memory.optimizerInBackward() && globalBatchSize > microBatchSize) {
            throw new IllegalArgumentException("optimizer_in_backward cannot be combined with global_batch_size ("
                    + globalBatchSize + ") > micro_batch_size (" + microBatchSize + "): each layer is stepped as soon"
                    + " as one micro-batch's gradients are complete; set global_batch_size to micro_batch_size or "
                    + "optimizer_in_backward: false");
        }
        if (memory.optimizerInBackward() && gradientClipVal > 0) {
            throw new IllegalArgumentException("optimizer_in_backward cannot be combined with gradient_clip_val ("
                    + gradientClipVal + "): global-norm clipping needs every gradient before the first update; set "
                    + "gradient_clip_val: 0 or optimizer_in_backward: false");
        }
    }

    /** The same settings without memory options (plain backward). */
    public TrainingSpec(Path runDir, String runName, int microBatchSize, int globalBatchSize, Time duration,
                        double learningRate, OptimizerSpec optimizer, Scheduler scheduler, double gradientClipVal,
                        Interval evalInterval, Interval saveInterval, int keepCheckpoints, boolean autoresume,
                        EarlyStoppingSpec earlyStopping, List<String> evalPrompts, long seed, double loraPlusRatio,
                        int logInterval, boolean exportHuggingFace, boolean mergeLoraOnExport) {
        this(runDir, runName, microBatchSize, globalBatchSize, duration, learningRate, optimizer, scheduler,
                gradientClipVal, evalInterval, saveInterval, keepCheckpoints, autoresume, earlyStopping, evalPrompts,
                seed, loraPlusRatio, logInterval, exportHuggingFace, mergeLoraOnExport, MemorySpec.DEFAULT);
    }

    /** These settings with {@code memory}. */
    public TrainingSpec withMemory(MemorySpec m) {
        return new TrainingSpec(runDir, runName, microBatchSize, globalBatchSize, duration, learningRate, optimizer,
                scheduler, gradientClipVal, evalInterval, saveInterval, keepCheckpoints, autoresume, earlyStopping,
                evalPrompts, seed, loraPlusRatio, logInterval, exportHuggingFace, mergeLoraOnExport, m);
    }

    /** Micro-batches per optimizer step. */
    public int accumulationSteps() {
        return globalBatchSize / microBatchSize;
    }

    /** Optimizer settings: name (decoupled_lionw | adamw), betas, weight decay, eps (AdamW). */
    public record OptimizerSpec(String name, double beta1, double beta2, double weightDecay, double eps) {
        public OptimizerSpec {
            if (!name.equals("decoupled_lionw") && !name.equals("adamw") && !name.equals("decoupled_adamw")) {
                throw new IllegalArgumentException("optimizer.name '" + name + "' is not supported; allowed: "
                        + "decoupled_lionw, adamw");
            }
        }
    }

    /** Early stopping on validation loss. */
    public record EarlyStoppingSpec(int patience, double minDelta) {
    }
}
