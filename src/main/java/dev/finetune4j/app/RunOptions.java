package dev.finetune4j.app;

import ai.djl.Device;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.data.DataOptions;
import dev.finetune4j.data.TargetPrompts;
import dev.finetune4j.data.TargetResponses;
import dev.finetune4j.data.TaskType;
import dev.finetune4j.engine.lora.LoraOptions;
import dev.finetune4j.engine.model.DropoutOptions;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.engine.model.Precision;
import dev.finetune4j.engine.schedule.Interval;
import dev.finetune4j.engine.train.MemorySpec;
import dev.finetune4j.engine.train.TrainingSpec;
import java.nio.file.Path;

/** Maps a RunConfig onto the options of the data module, the model and the training loop. */
final class RunOptions {
    private RunOptions() {
    }

    static DataOptions data(RunConfig c, int contextLength, Path cacheDir, String modelType) {
        DataOptions.Builder b = DataOptions.builder(TaskType.valueOf(c.taskType().name()), c.trainDataPath(),
                        contextLength)
                .evalDataPath(c.evalDataPath())
                .validateInputs(c.validateInputs())
                .allowPercentageInvalidSamples(c.allowPercentageInvalidSamples())
                .packing(c.packing())
                .targetPrompts(TargetPrompts.parse(c.targetPrompts()))
                .targetResponses(TargetResponses.parse(c.targetResponses()))
                .validationSplitRatio(c.validationSplitRatio())
                .trainDataSplitSeed(c.effectiveSplitSeed())
                .maxTrainSamples(c.maxTrainSamples() == null ? 0 : Math.toIntExact(c.maxTrainSamples()))
                .maxValSamples(c.maxValSamples() == null ? 0 : Math.toIntExact(c.maxValSamples()))
                .preprocessingNumWorkers(c.preprocessingNumWorkers() == null
                        ? Runtime.getRuntime().availableProcessors() : c.preprocessingNumWorkers())
                .cacheDir(cacheDir)
                // Mistral-family models take no system message (Databricks' rule), whatever their template says
                .allowSystemMessages(DataOptions.systemAllowedFor(modelType) ? null : false);
        return b.build();
    }

    static ModelOptions model(RunConfig c, Device device, boolean onCuda) {
        Precision p = c.precision().resolve(onCuda) == dev.finetune4j.config.Precision.BF16 ? Precision.BF16
                : Precision.FP32;
        LoraOptions lora = null;
        if (c.lora() != null) {
            lora = new LoraOptions(c.lora().r(), c.lora().alpha(), c.lora().dropout(), c.lora().targetModules(),
                    c.lora().useRslora(), "default");
        }
        DropoutOptions d = new DropoutOptions(c.dropout().hidden(), c.dropout().attention(), c.dropout().ffn());
        return new ModelOptions(device, p, d, lora, c.int8Quantization(), c.seed(), c.memory().bf16Masters());
    }

    static TrainingSpec training(RunConfig c, Path runDir) {
        var o = c.optimizer();
        double eps = o.eps() == null ? 1e-8 : o.eps();
        TrainingSpec.EarlyStoppingSpec early = c.earlyStopping() == null ? null
                : new TrainingSpec.EarlyStoppingSpec(c.earlyStopping().patience(), c.earlyStopping().minDelta());
        return new TrainingSpec(runDir, c.runName(), c.microBatchSize(), c.globalBatchSize(), c.trainingDuration(),
                c.learningRate(), new TrainingSpec.OptimizerSpec(o.name(), o.beta1(), o.beta2(), o.weightDecay(), eps),
                c.scheduler().toScheduler(),
                c.gradientClipVal(),
                c.evalInterval() == null ? null : new Interval(c.evalInterval(), true),
                c.saveInterval() == null ? null : new Interval(c.saveInterval(), true),
                c.saveNumCheckpointsToKeep(), c.autoresume(), early, c.evalPrompts(), c.seed(),
                c.lora() != null && c.lora().loraplusLrRatio() != null ? c.lora().loraplusLrRatio() : 1.0,
                c.logInterval().unit() == dev.finetune4j.engine.schedule.TimeUnit.BATCH ? (int) Math.max(1, c.logInterval().count()) : 1, true, false)
                .withMemory(new MemorySpec(c.memory().activationCheckpointing(), c.memory().optimizerInBackward()));
    }
}
