package dev.finetune4j.engine.train;

import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoints;
import dev.finetune4j.checkpoint.composer.OptimizerState;
import dev.finetune4j.checkpoint.composer.SchedulerState;
import dev.finetune4j.checkpoint.composer.Timestamp;
import dev.finetune4j.data.LoaderState;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.arch.ParameterRegistry;
import dev.finetune4j.engine.optim.Optimizer;
import dev.finetune4j.engine.optim.ParameterGroup;
import dev.finetune4j.engine.schedule.LrSchedule;
import dev.finetune4j.engine.model.TrainableParameter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Saves and restores a run in the Composer checkpoint layout (docs/formats.md §3.1): model weights under
 * {@code model.<hf name>} (LoRA runs: only the adapter weights), the optimizer state keyed by parameter FQN with
 * its param groups, the LambdaLR state, the timestamp, {@code rank_zero_seed}; this project's own resume data (seed,
 * data-loader position, early-stopping record, save_top_k scores) under {@code state['finetune4j']}, an attribute
 * Composer's {@code State.load_state_dict} skips. No top-level {@code rng}: Composer's {@code load_rng_state}
 * expects the Python/NumPy/torch generator states of each rank, which a Java run does not have, and an absent
 * {@code rng} is what Composer itself handles (docs/formats.md "Composer checkpoints"). Checkpoints written by
 * earlier versions (resume data under {@code dataset_state}/{@code callbacks}) are still read.
 */
final class CheckpointIo {
    /** The {@code state} key of this project's resume data. */
    static final String STATE_KEY = "finetune4j";

    private CheckpointIo() {
    }

    /** A model-only checkpoint (Composer's save_weights_only): weights, integrations and metadata. */
    static Path saveWeightsOnly(Path folder, CausalLm model, Timestamp ts, Map<String, Object> integrations,
                                Map<String, Object> metadata) {
        ComposerCheckpoint cp = ComposerCheckpoint.weightsOnly(weights(model), integrations, metadata);
        return ComposerCheckpoints.save(folder, cp, ComposerCheckpoints.fileName(ts.epoch(), ts.batch()), -1);
    }

    static Path save(Path folder, String runName, long seed, CausalLm model, Optimizer optimizer,
                     LrSchedule schedule,
                     TrainingState state, Map<String, Object> integrations, Map<String, Object> metadata) {
        LinkedHashMap<String, StoredTensor> weights = weights(model);
        LinkedHashMap<String, Map<String, StoredTensor>> perParam = new LinkedHashMap<>();
        optimizer.state().forEach((name, slots) -> perParam.put(fqn(model, name), slots));
        List<Map<String, Object>> groups = new ArrayList<>();
        Map<String, Object> groupDefaults = optimizer.groupDefaults();
        for (ParameterGroup g : optimizer.groups()) {
            // torch's key order (docs/formats.md §3.3): the optimizer's defaults in constructor order
            // (lr, betas[, eps], weight_decay[, amsgrad]), then initial_lr, params last
            Map<String, Object> pg = new LinkedHashMap<>();
            pg.put("lr", g.lr());
            for (String k : List.of("betas", "eps")) {
                if (groupDefaults.containsKey(k)) {
                    pg.put(k, groupDefaults.get(k));
                }
            }
            pg.put("weight_decay", g.weightDecay());
            groupDefaults.forEach(pg::putIfAbsent);
            pg.put("initial_lr", g.initialLr());
            List<Object> names = new ArrayList<>();
            for (TrainableParameter p : g.params()) {
                names.add(fqn(model, p.name()));
            }
            pg.put("params", names);
            groups.add(pg);
        }
        Map<String, Object> sched = schedule.stateDict();
        SchedulerState ss = SchedulerState.fromStateDict(sched, "the LR schedule");
        Timestamp t = state.timestamp();
        Map<String, Object> own = new LinkedHashMap<>();
        own.put("seed", seed);
        Map<String, Object> loader = new LinkedHashMap<>();
        loader.put("epoch", (long) state.loader().epoch());
        loader.put("position", state.loader().position());
        own.put("train_loader", loader);
        Map<String, Object> early = new LinkedHashMap<>();
        early.put("best", state.bestValLoss());
        early.put("wait", (long) state.evalsWithoutImprovement());
        own.put("early_stopping", early);
        List<Object> scored = new ArrayList<>();
        for (CheckpointRetention.Scored s : state.scoredCheckpoints()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", s.file());
            m.put("value", s.value());
            scored.add(m);
        }
        own.put("scored_checkpoints", scored);
        ComposerCheckpoint cp = new ComposerCheckpoint(weights, new OptimizerState(optimizer.composerName(), perParam, groups),
                ss, t, seed, runName, List.of(), integrations, metadata, Map.of(STATE_KEY, own));
        return ComposerCheckpoints.save(folder, cp, ComposerCheckpoints.fileName(t.epoch(), t.batch()), -1);
    }

    private static LinkedHashMap<String, StoredTensor> weights(CausalLm model) {
        LinkedHashMap<String, StoredTensor> weights = new LinkedHashMap<>();
        for (TrainableParameter p : model.trainableParameters()) {
            weights.put(fqn(model, p.name()), dev.finetune4j.engine.model.Tensors.toStored(p.array(),
                    dev.finetune4j.checkpoint.DType.FLOAT32));
        }
        return weights;
    }

    /**
     * The name a trainable parameter has in a Composer checkpoint (below the {@code model.} prefix): HF names for
     * base weights; for LoRA adapters PEFT's module path with the adapter name kept, as Composer saves a PEFT model
     * (docs/formats.md §3.1, {@code state.model}: {@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight}).
     */
    static String fqn(CausalLm model, String engineName) {
        return model.registry().loraMatrix(engineName).map(ParameterRegistry.LoraMatrix::composerName)
                .orElse(engineName);
    }

    /** The inverse of {@link #fqn}: the engine's parameter name for a checkpoint key. */
    static String engineName(CausalLm model, String fqn) {
        return model.registry().loraMatrix(fqn).map(ParameterRegistry.LoraMatrix::name).orElse(fqn);
    }

    /** The resume point: latest, or the newest checkpoint that reads completely when latest is broken. */
    static Optional<Path> latest(Path folder) {
        return ComposerCheckpoints.resumePoint(folder, org.slf4j.LoggerFactory.getLogger(Trainer.class)::warn);
    }

    /** What a resumed run continues from. */
    record Restored(TrainingState state, Map<String, Object> schedulerState) {
    }

    static Restored restore(Path file, CausalLm model, Optimizer optimizer) {
        ComposerCheckpoint cp = ComposerCheckpoint.read(file);
        if (cp.optimizer() == null || cp.timestamp() == null || cp.scheduler() == null) {
            throw new TrainingException("checkpoint " + file + " holds model weights only (save_weights_only), no"
                    + " optimizer, scheduler or timestamp, so autoresume cannot continue the run from it; start a new"
                    + " run with custom_weights_path: " + file + " to train on from its weights");
        }
        LinkedHashMap<String, StoredTensor> weights = new LinkedHashMap<>();
        cp.model().forEach((k, v) -> weights.put(engineName(model, k), v));
        model.loadStateDict(weights, false);
        LinkedHashMap<String, Map<String, StoredTensor>> optState = new LinkedHashMap<>();
        cp.optimizer().state().forEach((k, v) -> optState.put(engineName(model, k), v));
        optimizer.loadState(optState);
        Timestamp ts = cp.timestamp();
        Map<String, Object> extra = cp.extraState();
        Map<?, ?> own = extra.get(STATE_KEY) instanceof Map<?, ?> m ? m : Map.of();
        // earlier versions: loader under dataset_state.train, early stopping under callbacks.EarlyStopper
        Map<?, ?> loaderMap = own.get("train_loader") instanceof Map<?, ?> tl ? tl
                : extra.get("dataset_state") instanceof Map<?, ?> ds && ds.get("train") instanceof Map<?, ?> tr ? tr
                : null;
        Map<?, ?> earlyMap = own.get("early_stopping") instanceof Map<?, ?> es ? es
                : extra.get("callbacks") instanceof Map<?, ?> cb && cb.get("EarlyStopper") instanceof Map<?, ?> old
                ? old : null;
        LoaderState loader = new LoaderState(0, 0);
        if (loaderMap != null) {
            loader = new LoaderState(number(loaderMap, "epoch", file).intValue(),
                    number(loaderMap, "position", file).longValue());
        }
        double best = Double.POSITIVE_INFINITY;
        int wait = 0;
        if (earlyMap != null) {
            best = number(earlyMap, "best", file).doubleValue();
            wait = number(earlyMap, "wait", file).intValue();
        }
        List<CheckpointRetention.Scored> scored = new ArrayList<>();
        if (own.get("scored_checkpoints") instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> e && e.get("file") instanceof String f && !f.contains("/")) {
                    scored.add(new CheckpointRetention.Scored(f, number(e, "value", file).doubleValue()));
                }
            }
        }
        return new Restored(new TrainingState(ts, loader, best, wait, scored), cp.scheduler().toStateDict());
    }

    private static Number number(Map<?, ?> m, String key, Path file) {
        if (m.get(key) instanceof Number n) {
            return n;
        }
        throw new TrainingException("checkpoint " + file + ": resume field '" + key + "' is missing or not a number");
    }
}
