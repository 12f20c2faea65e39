package dev.finetune4j.app;

import ai.djl.Device;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.data.DataOptions;
import dev.finetune4j.data.TargetPrompts;
import dev.finetune4j.data.TargetResponses;
import dev.finetune4j.data.TaskType;
import dev.finetune4j.engine.lora.LoraOptions;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.engine.model.Precision;
import dev.finetune4j.engine.optim.Optimizers;
import dev.finetune4j.engine.train.TrainingSpec;
import java.nio.file.Path;

/** Maps a RunConfig onto the options of the data module, the model and the training loop. */
final class RunOptions {
    private RunOptions() {
    }

    static DataOptions data(RunConfig c, int contextLength, Path cacheDir, String modelType) {
        DataOptions.Builder b = DataOptions.builder(c.taskType(), c.trainDataPath(),
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
        Precision p = c.precision().resolve(onCuda);
        LoraOptions lora = null;
        if (c.lora() != null) {
            lora = new LoraOptions(c.lora().r(), c.lora().alpha(), c.lora().dropout(), c.lora().targetModules(),
                    c.lora().useRslora(), "default");
        }
        return ModelOptions.on(device).withPrecision(p).withDropout(c.dropout()).withLora(lora).withInt8(c.int8Quantization())
                .withSeed(c.seed());
    }

    static TrainingSpec training(RunConfig c, Path runDir) {
        var o = c.optimizer();
        double eps = o.eps() == null ? Optimizers.DEFAULT_EPS : o.eps();
        return TrainingSpec.builder(runDir, c.trainingDuration(), c.learningRate())
                .runName(c.runName())
                .batchSizes(c.microBatchSize(), c.globalBatchSize())
                .evalBatchSize(c.evalBatchSize())
                .optimizer(new TrainingSpec.OptimizerSpec(o.name(), o.beta1(), o.beta2(), o.weightDecay(), eps))
                .scheduler(c.scheduler().toScheduler())
                .gradientClipVal(c.gradientClipVal())
                .intervals(c.evalInterval(), c.saveInterval())
                .keepCheckpoints(c.saveNumCheckpointsToKeep())
                .autoresume(c.autoresume())
                .earlyStopping(c.earlyStopping())
                .evalPrompts(c.evalPrompts())
                .seed(c.seed())
                .loraPlusRatio(c.lora() != null && c.lora().loraplusLrRatio() != null ? c.lora().loraplusLrRatio() : 1.0)
                .logInterval((int) c.logInterval().count())
                .export(true, false)
                .build();
    }
}
