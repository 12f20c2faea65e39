package dev.finetune4j.engine.train;

import dev.finetune4j.engine.optim.Optimizers;
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
 * @param evalBatchSize     rows per evaluation forward
 * @param duration          training_duration (ep, ba, sp, tok)
 * @param learningRate      the peak (initial) learning rate
 * @param optimizer         optimizer settings
 * @param scheduler         the LR schedule (Composer semantics, driven with LambdaLR timing)
 * @param gradientClipVal   max global grad norm; 0 or negative disables clipping (the norm is still computed)
 * @param evalInterval      when to evaluate, also at the end (null = only at the end when eval data exists)
 * @param saveInterval      when to checkpoint, also at the end (null = only at the end)
 * @param keepCheckpoints   how many checkpoints to keep (0 or negative = all)
 * @param autoresume        continue from checkpoints/latest-rank0.pt when it exists
 * @param earlyStopping     null = off
 * @param evalPrompts       prompts generated at every evaluation (rendered with the chat template)
 * @param seed              the run seed (shuffling, dropout)
 * @param loraPlusRatio     lr ratio of lora_B parameters (1 = plain LoRA)
 * @param logInterval       optimizer steps between metric lines
 * @param exportHuggingFace write huggingface/ba{N}/ at the end
 * @param mergeLoraOnExport export a merged model folder instead of a PEFT adapter for LoRA runs
 */
public record TrainingSpec(Path runDir, String runName, int microBatchSize, int globalBatchSize, int evalBatchSize,
                           Time duration,
                           double learningRate, OptimizerSpec optimizer, Scheduler scheduler, double gradientClipVal,
                           Time evalInterval, Time saveInterval, int keepCheckpoints, boolean autoresume,
                           EarlyStoppingSpec earlyStopping, List<String> evalPrompts, long seed, double loraPlusRatio,
                           int logInterval, boolean exportHuggingFace, boolean mergeLoraOnExport) {

    public TrainingSpec {
        Objects.requireNonNull(runDir, "runDir");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(scheduler, "scheduler");
        if (microBatchSize < 1 || globalBatchSize < microBatchSize || globalBatchSize % microBatchSize != 0) {
            throw new IllegalArgumentException("global_batch_size (" + globalBatchSize + ") must be a positive multiple"
                    + " of micro_batch_size (" + microBatchSize + ")");
        }
        if (evalBatchSize < 1) {
            throw new IllegalArgumentException("eval_batch_size must be >= 1, got " + evalBatchSize);
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning_rate must be > 0, got " + learningRate);
        }
        evalPrompts = evalPrompts == null ? List.of() : List.copyOf(evalPrompts);
        runName = runName == null ? runDir.getFileName().toString() : runName;
        logInterval = Math.max(1, logInterval);
        loraPlusRatio = loraPlusRatio <= 0 ? 1.0 : loraPlusRatio;
    }

    /**
     * A builder with the small defaults of a plain run: micro = global = eval batch 1, Lion with betas
     * [0.9, 0.99] and no decay, a constant schedule, no clipping, intervals only at the end, all checkpoints kept,
     * seed 17, log every step, no export.
     *
     * @param runDir   the run folder
     * @param duration training_duration
     * @param learningRate the peak learning rate
     */
    public static Builder builder(Path runDir, Time duration, double learningRate) {
        return new Builder(runDir, duration, learningRate);
    }

    /** Builds a {@link TrainingSpec} by name instead of by position; the record's checks run in {@link #build()}. */
    public static final class Builder {
        private final Path runDir;
        private final Time duration;
        private final double learningRate;
        private String runName;
        private int microBatchSize = 1;
        private int globalBatchSize = 1;
        private Integer evalBatchSize;
        private OptimizerSpec optimizer = new OptimizerSpec("decoupled_lionw", 0.9, 0.99, 0.0, Optimizers.DEFAULT_EPS);
        private Scheduler scheduler = dev.finetune4j.engine.schedule.Constant.one();
        private double gradientClipVal;
        private Time evalInterval;
        private Time saveInterval;
        private int keepCheckpoints = -1;
        private boolean autoresume;
        private EarlyStoppingSpec earlyStopping;
        private List<String> evalPrompts = List.of();
        private long seed = 17;
        private double loraPlusRatio = 1.0;
        private int logInterval = 1;
        private boolean exportHuggingFace;
        private boolean mergeLoraOnExport;

        private Builder(Path runDir, Time duration, double learningRate) {
            this.runDir = runDir;
            this.duration = duration;
            this.learningRate = learningRate;
        }

        /** Composer's run_name; default the run folder's name. */
        public Builder runName(String v) {
            runName = v;
            return this;
        }

        /** Rows per optimizer step and per forward/backward; eval batches default to {@code micro}. */
        public Builder batchSizes(int micro, int global) {
            microBatchSize = micro;
            globalBatchSize = global;
            return this;
        }

        /** Rows per evaluation forward. */
        public Builder evalBatchSize(int v) {
            evalBatchSize = v;
            return this;
        }

        public Builder optimizer(OptimizerSpec v) {
            optimizer = v;
            return this;
        }

        public Builder scheduler(Scheduler v) {
            scheduler = v;
            return this;
        }

        public Builder gradientClipVal(double v) {
            gradientClipVal = v;
            return this;
        }

        /** When to evaluate and when to checkpoint (null = only at the end). */
        public Builder intervals(Time eval, Time save) {
            evalInterval = eval;
            saveInterval = save;
            return this;
        }

        public Builder keepCheckpoints(int v) {
            keepCheckpoints = v;
            return this;
        }

        public Builder autoresume(boolean v) {
            autoresume = v;
            return this;
        }

        public Builder earlyStopping(EarlyStoppingSpec v) {
            earlyStopping = v;
            return this;
        }

        public Builder evalPrompts(List<String> v) {
            evalPrompts = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder loraPlusRatio(double v) {
            loraPlusRatio = v;
            return this;
        }

        public Builder logInterval(int v) {
            logInterval = v;
            return this;
        }

        /** Write huggingface/ba{N}/ at the end, merged for LoRA runs when {@code mergeLora}. */
        public Builder export(boolean huggingFace, boolean mergeLora) {
            exportHuggingFace = huggingFace;
            mergeLoraOnExport = mergeLora;
            return this;
        }

        public TrainingSpec build() {
            return new TrainingSpec(runDir, runName, microBatchSize, globalBatchSize,
                    evalBatchSize == null ? microBatchSize : evalBatchSize, duration, learningRate, optimizer, scheduler,
                    gradientClipVal, evalInterval, saveInterval, keepCheckpoints, autoresume, earlyStopping,
                    evalPrompts, seed, loraPlusRatio, logInterval, exportHuggingFace, mergeLoraOnExport);
        }
    }

    /** Optimizer settings: name (decoupled_lionw | adamw), betas, weight decay, eps (AdamW). */
    public record OptimizerSpec(String name, double beta1, double beta2, double weightDecay, double eps) {
        public OptimizerSpec {
            if (!Optimizers.isKnown(name)) {
                throw new IllegalArgumentException("optimizer.name '" + name + "' is not supported; allowed: "
                        + String.join(", ", Optimizers.NAMES));
            }
        }
    }

    /** Early stopping on validation loss. */
    public record EarlyStoppingSpec(int patience, double minDelta) {
    }
}
