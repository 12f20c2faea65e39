package dev.finetune4j.app;

import ai.djl.Device;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.data.DatasetPreparer;
import dev.finetune4j.data.PreparedData;
import dev.finetune4j.engine.device.Devices;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.engine.train.Trainer;
import dev.finetune4j.engine.train.TrainingResult;
import dev.finetune4j.engine.train.TrainingSpec;
import dev.finetune4j.engine.event.EventType;
import dev.finetune4j.run.ModelMetadata;
import dev.finetune4j.run.Registry;
import dev.finetune4j.engine.event.RunEvent;
import dev.finetune4j.engine.event.RunListener;
import dev.finetune4j.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import dev.finetune4j.data.PreparationStoppedException;
import dev.finetune4j.engine.model.StateDictCheck;
import dev.finetune4j.engine.model.StateDictException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training run from a resolved configuration: tokenizer and model folder, data (validated, encoded, packed),
 * the model on its device, the training loop, the final export and the registry. Every stage reports to the run's
 * listeners (events.jsonl, metrics.jsonl, TensorBoard, progress, the embedding application's listeners).
 */
final class RunPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(RunPipeline.class);

    private final RunConfig config;
    private final RunListener listener;
    private final StopRequest stopRequested;
    private final Optional<Path> resumeFrom;

    RunPipeline(RunConfig config, RunListener listener, StopRequest stopRequested, Optional<Path> resumeFrom) {
        this.config = config;
        this.listener = listener;
        this.stopRequested = stopRequested;
        this.resumeFrom = resumeFrom;
    }

    RunResult run() {
        Path runDir = config.runDir();
        try (ModelInputs in = ModelInputs.open(config, true);
             DistributedRun job = DistributedRun.join(config.device(), config.distTimeout(),
                     config.fsdpSharding(), config.globalBatchSize())) {
            HfTokenizer tokenizer = in.tokenizer();
            HfModelFolder folder = in.folder();
            ModelConfig modelConfig = in.modelConfig();
            int contextLength = in.contextLength();
            PreparedData data;
            job.mainFirst(); // rank 0 fills the token cache, the other ranks then read it
            try {
                data = DatasetPreparer.prepare(
                        RunOptions.data(config, contextLength, runDir.getParent().resolve(".token-cache"),
                                modelConfig.modelType()), tokenizer, stopRequested);
            } catch (PreparationStoppedException e) {
                job.mainDone();
                return endedBeforeTraining();
            }
            job.mainDone();
            if (job.agreedStop(stopRequested).getAsBoolean()) { // every rank ends here when any rank was asked to stop
                return endedBeforeTraining();
            }
            Map<String, Object> validated = new LinkedHashMap<>();
            validated.put("train_examples", data.trainStats().examples());
            validated.put("train_tokens", data.trainStats().tokens());
            validated.put("train_rows", data.train().rows());
            validated.put("invalid_samples", data.report().invalidSamples());
            validated.put("padding_fraction", data.train().paddingFraction());
            data.eval().ifPresent(e -> validated.put("eval_rows", e.rows()));
            listener.onEvent(RunEvent.now(EventType.DATA_VALIDATED, 0, validated));
            LOG.info("data: {} train examples → {} packed rows of {} tokens ({} tokens, {}% padding){}",
                    data.trainStats().examples(), data.train().rows(), contextLength, data.trainStats().tokens(),
                    String.format("%.1f", 100 * data.train().paddingFraction()),
                    data.eval().map(e -> "; " + e.rows() + " eval rows").orElse(""));

            Device device = Devices.resolve(config.device());
            ModelOptions modelOptions = RunOptions.model(config, device, device.isGpu());
            try (CausalLm model = loadModel(folder, modelConfig, modelOptions)) {
                LOG.info("model: {} layers, hidden {}, {} parameters on {} ({}){}", modelConfig.numHiddenLayers(),
                        modelConfig.hiddenSize(), model.parameterCount(), device, modelOptions.precision(),
                        config.lora() != null ? ", LoRA r=" + config.lora().r() : "");
                TrainingSpec spec = RunOptions.training(config, runDir);
                Trainer trainer = new Trainer(model, data.train(), data.eval().orElse(null), spec,
                        listener, new RunExporter(config, folder, job.worldSize()),
                        new ChatPromptSampler(tokenizer, folder.generationConfig(), config.seed()));
                trainer.stopWhen(job.agreedStop(stopRequested));
                trainer.distributeWith(job.dataParallel());
                trainer.resumeFrom(resumeFrom);
                trainer.checkpointPolicy(RunOptions.checkpoints(config));
                TrainingResult result = trainer.run();
                String reason = "stopped".equals(result.stopReason()) ? stopRequested.reason() : result.stopReason();
                Path registered = TrainingResult.ALREADY_COMPLETE.equals(reason) ? null : register(result);
                RunResult r = new RunResult(runDir, result.batches(), result.tokens(), result.lastLoss(),
                        result.lastValLoss(), result.lastCheckpoint(), result.export(), registered, reason);
                Map<String, Object> done = new LinkedHashMap<>();
                done.put("reason", reason);
                if (Double.isFinite(result.lastLoss())) {
                    done.put("train_loss", result.lastLoss());
                }
                if (result.lastValLoss() != null) {
                    done.put("val_loss", result.lastValLoss());
                }
                if (result.export() != null) {
                    done.put("export", result.export().toString());
                }
                if (registered != null) {
                    done.put("registered", registered.toString());
                }
                listener.onEvent(RunEvent.now(EventType.COMPLETED, result.batches(), done));
                return r;
            }
        }
    }

    /** A stop or cancel request arrived before the first step: nothing to save, the run ends here. */
    private RunResult endedBeforeTraining() {
        String reason = stopRequested.reason();
        LOG.info("run {} {} during data preparation", config.runName(), reason);
        listener.onEvent(RunEvent.now(EventType.COMPLETED, 0, Map.of("reason", reason, "phase",
                "data_preparation")));
        return new RunResult(config.runDir(), 0, 0, Double.NaN, null, null, null, null, reason);
    }

    private CausalLm loadModel(HfModelFolder folder, ModelConfig modelConfig, ModelOptions options) {
        CausalLm model;
        if (folder.names().isEmpty()) {
            LOG.warn("{} holds no weights: starting from a random initialisation (initializer_range {}, seed {})",
                    folder.dir(), modelConfig.initializerRange(), options.seed());
            model = CausalLm.random(modelConfig, options);
        } else {
            model = CausalLm.load(folder, options);
        }
        if (config.customWeightsPath() != null) {
            LOG.info("loading weights from {}", config.customWeightsPath());
            var weights = ComposerCheckpoint.readWeightsOnly(config.customWeightsPath());
            StateDictCheck check = StateDictCheck.of(model, weights);
            if (!check.ok()) {
                if (!config.allowPartialWeights()) {
                    model.close();
                    throw new StateDictException("custom_weights_path " + config.customWeightsPath()
                            + " does not match the model" + check.describe()
                            + "\n  set allow_partial_weights: true to load only the matching tensors");
                }
                LOG.warn("allow_partial_weights: loading only the matching tensors of {}; these stay at their "
                        + "initial values (from {}):{}", config.customWeightsPath(), folder.dir(), check.describe());
                weights = check.loadable(weights);
            }
            model.loadStateDict(weights, false);
        }
        return model;
    }

    private Path register(TrainingResult result) {
        if (config.registerTo() == null || result.export() == null) {
            return null;
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("loss/train", result.lastLoss());
        if (result.lastValLoss() != null) {
            metrics.put("loss/eval", result.lastValLoss());
        }
        metrics.put("batches", result.batches());
        metrics.put("tokens", result.tokens());
        var reg = new Registry(config.registryRoot()).register(result.export(), config.registeredModelName(),
                ModelMetadata.of(config, metrics));
        return reg.path();
    }
}
