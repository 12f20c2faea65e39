package dev.finetune4j.engine.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.jni.JniUtils;
import dev.finetune4j.checkpoint.composer.Timestamp;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoints;
import dev.finetune4j.data.Batch;
import dev.finetune4j.data.Loader;
import dev.finetune4j.data.PackedDataset;
import dev.finetune4j.engine.event.EventType;
import dev.finetune4j.engine.event.Metrics;
import dev.finetune4j.engine.event.RunEvent;
import dev.finetune4j.engine.event.RunListener;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.StepLoss;
import dev.finetune4j.engine.model.TrainableParameter;
import dev.finetune4j.engine.optim.GradientClipping;
import dev.finetune4j.engine.optim.Optimizer;
import dev.finetune4j.engine.optim.Optimizers;
import dev.finetune4j.engine.optim.ParameterGroup;
import dev.finetune4j.engine.optim.ParameterGroups;
import dev.finetune4j.engine.schedule.Interval;
import dev.finetune4j.engine.schedule.LrSchedule;
import dev.finetune4j.engine.schedule.ScheduleContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop. One optimizer step per global batch: its micro-batches run forward and backward with the
 * loss sum divided by the global batch's trained-token count, so the gradient is the exact token mean of the global
 * batch (docs/training.md §7); then global-norm clipping, a NaN/Inf check, the
 * optimizer step at the scheduled lr, {@code LambdaLR.step()} and only then the timestamp advance (Composer's order,
 * docs/training.md §2).
 * Evaluation and checkpoints follow Composer's interval rules.
 *
 * <p>How a step's gradients are produced and applied is a {@link StepStrategy}: {@link AccumulateThenStep} (micro-batches
 * accumulate, then clipping and one optimizer step) or, with {@code optimizer_in_backward}, {@link StepInBackward}
 * (each layer stepped as soon as its gradients exist); both run the layer-by-layer backward of
 * {@link CausalLm#forwardBackward}, with or without activation checkpointing (docs/training.md, "Memory").
 *
 * <p>Dropout randomness is re-seeded from (seed, batch) at every step, so a resumed run draws the same masks as an
 * uninterrupted one; data order comes from the loader's (seed, epoch) permutation and resumes in O(1).
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final CausalLm model;
    private final PackedDataset train;
    private final PackedDataset eval;
    private final TrainingSpec spec;
    private final RunListener listener;
    private final ModelExporter exporter;
    private final PromptSampler sampler;
    private BooleanSupplier stopRequested = () -> false;
    private DataParallel dp = DataParallel.SINGLE; // data-parallel job (docs/distributed.md)
    private Optional<Path> resumeFrom;
    private List<TrainableParameter> params;
    private CheckpointPolicy checkpointPolicy = CheckpointPolicy.DEFAULT;
    private CheckpointRetention retention;
    private long promptsSampledAt = -1;

    /**
     * @param model    the model, weights loaded (LoRA adapters attached if any)
     * @param train    packed training rows
     * @param eval     packed evaluation rows, or null
     * @param exporter what goes into checkpoints besides the training state, and the final export
     * @param sampler  answers to the eval prompts at each evaluation ({@link PromptSampler#NONE} for none)
     */
    public Trainer(CausalLm model, PackedDataset train, PackedDataset eval, TrainingSpec spec,
                   RunListener listener, ModelExporter exporter, PromptSampler sampler) {
        this.model = model;
        this.train = train;
        this.eval = eval;
        this.spec = spec;
        this.listener = listener == null ? new RunListener() { } : listener;
        this.exporter = exporter;
        this.sampler = sampler == null ? PromptSampler.NONE : sampler;
    }

    /** A flag polled between optimizer steps; when it returns true the run saves a checkpoint and stops. */
    public void stopWhen(BooleanSupplier stop) {
        this.stopRequested = stop;
    }

    /** Trains as one rank of a data-parallel job: its shard of each batch, gradients summed, rank 0 writes. */
    public void distributeWith(DataParallel dataParallel) {
        this.dp = dataParallel;
    }

    /**
     * The checkpoint to resume from, chosen by the caller (e.g. with
     * {@link dev.finetune4j.checkpoint.composer.ComposerCheckpoints#resumePoint}); empty starts afresh. Without this
     * call an {@code autoresume} run looks for the resume point itself.
     */
    public void resumeFrom(Optional<Path> checkpoint) {
        this.resumeFrom = checkpoint;
    }

    /** save_top_k and save_weights_only (default: full checkpoints, kept by save_num_checkpoints_to_keep). */
    public void checkpointPolicy(CheckpointPolicy policy) {
        this.checkpointPolicy = policy == null ? CheckpointPolicy.DEFAULT : policy;
    }

    /** Runs to the end of training_duration (or early stopping / a stop request) and returns the outcome. */
    public TrainingResult run() {
        Loader loader = train.loader(spec.globalBatchSize(), spec.seed());
        long batchesPerEpoch = loader.batchesPerEpoch();
        if (batchesPerEpoch == 0) {
            throw new TrainingException("the training data packs into 0 rows; nothing to train on");
        }
        ScheduleContext ctx = ScheduleContext.of(spec.duration(), batchesPerEpoch);
        params = model.trainableParameters();
        List<ParameterGroup> groups = spec.loraPlusRatio() != 1.0
                ? ParameterGroups.loraPlus(params, spec.learningRate(), spec.optimizer().weightDecay(),
                        spec.loraPlusRatio())
                : ParameterGroups.single(params, spec.learningRate(), spec.optimizer().weightDecay());
        double[] baseLrs = groups.stream().mapToDouble(ParameterGroup::initialLr).toArray();
        Path checkpoints = spec.runDir().resolve("checkpoints");
        EarlyStopping early = spec.earlyStopping() == null ? null
                : new EarlyStopping(spec.earlyStopping().patience(), spec.earlyStopping().minDelta());
        retention = new CheckpointRetention(spec.keepCheckpoints(),
                checkpointPolicy.topK());
        try (Optimizer optimizer = dp.optimizer(groups, this::newOptimizer)) {
            Timestamp ts = Timestamp.ZERO;
            LrSchedule schedule;
            Optional<Path> latest = resumeFrom != null ? resumeFrom
                    : spec.autoresume() ? CheckpointIo.latest(checkpoints) : Optional.empty();
            if (latest.isPresent()) {
                CheckpointIo.Restored r = CheckpointIo.restore(latest.get(), model, optimizer);
                ts = r.state().timestamp();
                loader.restore(r.state().loader());
                schedule = LrSchedule.restore(spec.scheduler(), ctx, r.schedulerState());
                if (early != null) {
                    early.restore(r.state().bestValLoss(), r.state().evalsWithoutImprovement());
                }
                retention.restore(checkpoints, r.state().scoredCheckpoints());
                LOG.info("resumed from {} at batch {} (epoch {})", latest.get(), ts.batch(), ts.epoch());
                if (ctx.isDone(ts)) { // nothing left to do: report it rather than a NaN loss of zero steps
                    Path hf = spec.runDir().resolve("huggingface").resolve("ba" + ts.batch());
                    LOG.info("the run is already complete: {} is at batch {}, the end of training_duration {}",
                            latest.get(), ts.batch(), spec.duration());
                    return new TrainingResult(ts.batch(), ts.epoch(), ts.token(), Double.NaN, null, latest.get(),
                            java.nio.file.Files.isDirectory(hf) ? hf : null, TrainingResult.ALREADY_COMPLETE);
                }
            } else {
                schedule = LrSchedule.start(spec.scheduler(), ctx, Timestamp.ZERO, baseLrs);
            }
            Map<String, Object> started = new LinkedHashMap<>();
            started.put("batches_per_epoch", batchesPerEpoch);
            started.put("parameters", model.parameterCount());
            started.put("trainable_parameters", count(params));
            started.put("duration", spec.duration().toString());
            latest.ifPresent(p -> started.put("resumed_from", p.toString()));
            listener.onEvent(RunEvent.now(EventType.TRAINING_STARTED, ts.batch(), started));
            return loop(loader, ctx, optimizer, schedule, ts, early, checkpoints);
        }
    }

    private TrainingResult loop(Loader loader, ScheduleContext ctx, Optimizer optimizer, LrSchedule schedule,
                                Timestamp ts, EarlyStopping early, Path checkpoints) {
        Interval evalEvery = spec.evalInterval() == null ? null : new Interval(spec.evalInterval(), true);
        Interval saveEvery = spec.saveInterval() == null ? null : new Interval(spec.saveInterval(), true);
        Path lastSaved = null;
        long lastSavedBatch = -1;
        Double lastValLoss = null;
        double lastLoss = Double.NaN;
        String stopReason = "duration";
        long tokensSinceLog = 0;
        long logStart = System.nanoTime();
        StepStrategy strategy = strategy(optimizer);
        while (!ctx.isDone(ts)) {
            if (stopRequested.getAsBoolean()) {
                stopReason = "stopped";
                break;
            }
            if (!loader.hasNext()) {
                loader.nextEpoch();
            }
            long t0 = System.nanoTime();
            Batch global = loader.next();
            StepOutcome step = step(global, strategy, optimizer, schedule, ts);
            lastLoss = step.loss;
            if (!Double.isFinite(step.loss) || !Double.isFinite(step.gradNorm)) {
                String reason = "non-finite " + (!Double.isFinite(step.loss) ? "loss " + step.loss
                        : "gradient norm " + step.gradNorm) + " at batch " + ts.batch()
                        + (lastSaved != null ? "; the last good checkpoint is " + lastSaved : "");
                throw new TrainingException(reason);
            }
            schedule.step(ts); // LambdaLR.step() before the timestamp advances (docs/training.md §2)
            double[] nextLrs = schedule.lrs();
            for (int g = 0; g < nextLrs.length; g++) {
                optimizer.setLr(g, nextLrs[g]); // LambdaLR.step() also writes group['lr'], which checkpoints hold
            }
            Timestamp previous = ts;
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            ts = ts.toNextBatch(global.rows(), global.tokens(), took);
            boolean epochEnded = !loader.hasNext();
            tokensSinceLog += global.tokens();
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("loss", step.loss);
            m.put("lr", step.lr);
            m.put("grad_norm", step.gradNorm);
            m.put("epoch", (double) ts.epoch());
            m.put("tokens", (double) ts.token());
            m.put("elapsed_fraction", elapsed(ctx, ts, batchesPerEpoch(ctx)));
            if (ts.batch() % spec.logInterval() == 0 || ctx.isDone(ts)) {
                double secs = (System.nanoTime() - logStart) / 1e9;
                m.put("tokens_per_s", tokensSinceLog / Math.max(secs, 1e-9));
                tokensSinceLog = 0;
                logStart = System.nanoTime();
            }
            listener.onMetrics(Metrics.now(ts.batch(), m));
            boolean evalNow = false;
            boolean saveNow = false;
            if (eval != null && evalEvery != null) {
                evalNow = evalEvery.fires(Interval.Event.BATCH_CHECKPOINT, previous, ts, ctx);
            }
            if (saveEvery != null) {
                saveNow = saveEvery.fires(Interval.Event.BATCH_CHECKPOINT, previous, ts, ctx);
            }
            if (epochEnded) {
                Timestamp beforeEpoch = ts;
                ts = ts.toNextEpoch();
                loader.nextEpoch();
                if (eval != null && evalEvery != null && !evalNow) {
                    evalNow = evalEvery.fires(Interval.Event.EPOCH_CHECKPOINT, beforeEpoch, ts, ctx);
                }
                if (saveEvery != null && !saveNow) {
                    saveNow = saveEvery.fires(Interval.Event.EPOCH_CHECKPOINT, beforeEpoch, ts, ctx);
                }
            }
            boolean stopEarly = false;
            if (evalNow) {
                double v = evaluate(ts);
                if (!stopRequested.getAsBoolean()) { // an evaluation cut short by a stop request counts for nothing
                    lastValLoss = v;
                    if (early != null && early.update(lastValLoss)) {
                        stopEarly = true;
                    }
                }
            }
            if (saveNow || stopEarly) {
                lastSaved = save(checkpoints, optimizer, schedule, ts, loader, early, lastLoss, lastValLoss);
                lastSavedBatch = ts.batch();
            }
            if (stopEarly) {
                stopReason = "early_stopping";
                LOG.info("early stopping at batch {}: no val loss improvement over {} for {} evaluations", ts.batch(),
                        early.best(), spec.earlyStopping().patience());
                break;
            }
        }
        if (eval != null && (lastValLoss == null || evalEvery == null) && !"stopped".equals(stopReason)) {
            lastValLoss = evaluate(ts);
        }
        if (lastSavedBatch != ts.batch()) {
            lastSaved = save(checkpoints, optimizer, schedule, ts, loader, early, lastLoss, lastValLoss);
        }
        Path export = null;
        if (spec.exportHuggingFace() && !"stopped".equals(stopReason) && stopRequested.getAsBoolean()) {
            // a stop request after the last step: end now; the checkpoint is saved and `export` can write the folder
            LOG.info("stop requested: skipping the final Hugging Face export (export {} later)", lastSaved);
            stopReason = "stopped";
        }
        if (spec.exportHuggingFace() && !"stopped".equals(stopReason) && dp.isMain()) {
            export = exporter.export(model, spec.runDir().resolve("huggingface").resolve("ba" + ts.batch()),
                    spec.mergeLoraOnExport());
            Map<String, Object> saved = new LinkedHashMap<>();
            saved.put("path", export.toString());
            saved.put("kind", "huggingface");
            listener.onEvent(RunEvent.now(EventType.CHECKPOINT_SAVED, ts.batch(), saved));
        }
        return new TrainingResult(ts.batch(), ts.epoch(), ts.token(), lastLoss, lastValLoss, lastSaved, export,
                stopReason);
    }

    /** Fraction of the run done; epoch durations count batches so progress moves within an epoch. */
    private static double elapsed(ScheduleContext ctx, Timestamp ts, long batchesPerEpoch) {
        if (ctx.maxDuration().unit() == dev.finetune4j.engine.schedule.TimeUnit.EPOCH) {
            return Math.min(1.0, ts.batch() / (ctx.maxDuration().value() * batchesPerEpoch));
        }
        return Math.min(1.0, ctx.elapsedFraction(ts));
    }

    private static long batchesPerEpoch(ScheduleContext ctx) {
        return ctx.dataloaderLen().orElse(1);
    }

    private record StepOutcome(double loss, double gradNorm, double lr) {
    }

    private StepOutcome step(Batch global, StepStrategy strategy, Optimizer optimizer, LrSchedule schedule,
                             Timestamp ts) {
        // dropout masks depend on (seed, batch) only, so resume draws the same ones
        long dropoutSeed = spec.seed() * 1_000_003L + ts.batch() + 7919L * dp.rank(); // per rank (docs/distributed.md)
        Engine.getEngine("PyTorch").setRandomSeed((int) dropoutSeed);
        long lossTokens = 0;
        Batch mine = dp.shard(global); // this rank's rows; the divisor stays the global batch's (docs/distributed.md)
        List<Batch> micro = mine == null ? List.of() : MicroBatches.split(mine, spec.microBatchSize());
        for (Batch b : dp.worldSize() == 1 ? micro : List.of(global)) {
            lossTokens += b.lossTokens();
        }
        double[] lrs = schedule.lrs();
        for (int g = 0; g < lrs.length; g++) {
            optimizer.setLr(g, lrs[g]);
        }
        StepStrategy.Result r = strategy.run(micro, lossTokens, dropoutSeed);
        return new StepOutcome(lossTokens == 0 ? 0 : r.lossSum() / lossTokens, r.gradNorm(), lrs[0]);
    }

    /** The step strategy the run's memory settings ask for (docs/training.md, "Memory"). */
    private StepStrategy strategy(Optimizer optimizer) {
        MemorySpec m = spec.memory();
        if (m.optimizerInBackward() && dp.worldSize() > 1) {
            throw new TrainingException("optimizer_in_backward is not supported in a distributed job (world size "
                    + dp.worldSize() + "): gradients must be summed across ranks before any update; set"
                    + " optimizer_in_backward: false");
        }
        return m.optimizerInBackward() ? new StepInBackward(model, optimizer, m.activationCheckpointing())
                : new AccumulateThenStep(model, optimizer, params, spec.gradientClipVal(), m.activationCheckpointing(),
                        dp);
    }

    /** Mean token loss over the evaluation rows (no gradients); reports an "eval" event and metrics. */
    private double evaluate(Timestamp ts) {
        long t0 = System.nanoTime();
        double sum = 0;
        long tokens = 0;
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            Loader l = eval.sequentialLoader(spec.evalBatchSize());
            for (long i = 0; l.hasNext(); i++) {
                if (stopRequested.getAsBoolean()) {
                    LOG.info("evaluation at batch {} interrupted by a stop request", ts.batch());
                    return Double.NaN;
                }
                Batch b = l.next();
                if (i % dp.worldSize() != dp.rank()) {
                    continue; // eval batches are dealt round-robin to the ranks, sums reduced below
                }
                try (NDScope scope = new NDScope()) {
                    StepLoss loss = model.loss(b, false);
                    sum += loss.sum().getFloat();
                    tokens += loss.tokens();
                }
            }
        } finally {
            JniUtils.setGradMode(was);
        }
        double[] job = dp.sum(new double[] {sum, tokens});
        sum = job[0];
        tokens = (long) job[1];
        double val = tokens == 0 ? Double.NaN : sum / tokens;
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("val_loss", val);
        fields.put("tokens", tokens);
        fields.put("seconds", (System.nanoTime() - t0) / 1e9);
        listener.onEvent(RunEvent.now(EventType.EVAL, ts.batch(), fields));
        listener.onMetrics(Metrics.now(ts.batch(), Map.of(Metrics.EVAL_LOSS, val)));
        samplePrompts(ts, "eval");
        return val;
    }

    /**
     * Generates from the eval prompts once per step that evaluates or saves a checkpoint (the services sample at
     * every checkpoint, with or without eval data) and reports a "samples" event.
     */
    private void samplePrompts(Timestamp ts, String trigger) {
        if (spec.evalPrompts().isEmpty() || promptsSampledAt == ts.batch() || !dp.isMain()) { // rank 0 samples
            return;
        }
        promptsSampledAt = ts.batch();
        List<Map<String, String>> samples = sampler.sample(model, spec.evalPrompts());
        if (!samples.isEmpty()) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("trigger", trigger);
            fields.put("samples", samples);
            listener.onEvent(RunEvent.now(EventType.SAMPLES, ts.batch(), fields));
        }
    }

    private Path save(Path folder, Optimizer optimizer, LrSchedule schedule, Timestamp ts, Loader loader,
                      EarlyStopping early, double loss, Double valLoss) {
        dp.beforeCheckpoint(optimizer); // a collective: every rank takes part (ZeRO-1 gathers optimizer state)
        if (!dp.isMain()) {
            return null; // rank 0 writes the job's checkpoints
        }
        samplePrompts(ts, "checkpoint");
        double score = retention.score(loss, valLoss);
        Path p;
        if (checkpointPolicy.weightsOnly()) {
            p = CheckpointIo.saveWeightsOnly(folder, model, ts, exporter.integrations(model), exporter.metadata(model));
        } else {
            p = saveFull(folder, optimizer, schedule, ts, loader, early, score);
        }
        Map<String, Object> saved = new LinkedHashMap<>();
        saved.put("path", p.toString());
        saved.put("epoch", ts.epoch());
        saved.put("kind", checkpointPolicy.weightsOnly() ? "composer_weights_only" : "composer");
        if (checkpointPolicy.topK() != null) {
            saved.put(checkpointPolicy.topK().monitor(), score);
        }
        List<Path> deleted = retention.afterSave(p, score);
        if (!deleted.isEmpty()) {
            saved.put("deleted", deleted.stream().map(Path::toString).toList());
        }
        listener.onEvent(RunEvent.now(EventType.CHECKPOINT_SAVED, ts.batch(), saved));
        return p;
    }

    private Path saveFull(Path folder, Optimizer optimizer, LrSchedule schedule, Timestamp ts, Loader loader,
                          EarlyStopping early, double score) {
        List<CheckpointRetention.Scored> scored = new ArrayList<>(retention.scored());
        scored.add(new CheckpointRetention.Scored(ComposerCheckpoints.fileName(ts.epoch(), ts.batch()), score));
        TrainingState state = new TrainingState(ts, loader.state(),
                early == null ? Double.POSITIVE_INFINITY : early.best(),
                early == null ? 0 : early.evaluationsWithoutImprovement(), scored);
        return CheckpointIo.save(folder, spec.runName(), spec.seed(), model, optimizer, schedule, state,
                exporter.integrations(model), exporter.metadata(model));
    }

    private Optimizer newOptimizer(List<ParameterGroup> groups) {
        TrainingSpec.OptimizerSpec o = spec.optimizer();
        return Optimizers.create(o.name(), groups, o.beta1(), o.beta2(), o.eps());
    }

    private static long count(List<TrainableParameter> params) {
        long n = 0;
        for (TrainableParameter p : params) {
            n += p.array().size();
        }
        return n;
    }
}
