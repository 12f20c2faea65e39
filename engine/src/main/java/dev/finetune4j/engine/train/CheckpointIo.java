package dev.finetune4j.engine.train;

import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoints;
import dev.finetune4j.checkpoint.composer.OptimizerState;
import dev.finetune4j.checkpoint.composer.SchedulerState;
import dev.finetune4j.checkpoint.composer.Timestamp;
import dev.finetune4j.data.LoaderState;
import dev.finetune4j.engine.model.CausalLm;
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
 * its param groups, the LambdaLR state, the timestamp, {@code rank_zero_seed}, and our data-loader position and
 * early-stopping record under {@code state['dataset_state']} / {@code state['callbacks']}.
 */
final class CheckpointIo {
    private static final String PEFT_PREFIX = "base_model.model.";
    private CheckpointIo() {
    }

    static Path save(Path folder, int keep, String runName, long seed, CausalLm model, Optimizer optimizer,
                     LrSchedule schedule,
                     TrainingState state, Map<String, Object> integrations, Map<String, Object> metadata,
                     int worldSize) {
        LinkedHashMap<String, StoredTensor> weights = new LinkedHashMap<>();
        for (TrainableParameter p : model.trainableParameters()) {
            weights.put(fqn(p.name()), dev.finetune4j.engine.model.Tensors.toStored(p.array(),
                    dev.finetune4j.checkpoint.DType.FLOAT32));
        }
        LinkedHashMap<String, Map<String, StoredTensor>> perParam = new LinkedHashMap<>();
        optimizer.state().forEach((name, slots) -> perParam.put(fqn(name), slots));
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
                names.add(fqn(p.name()));
            }
            pg.put("params", names);
            groups.add(pg);
        }
        Map<String, Object> sched = schedule.stateDict();
        SchedulerState ss = SchedulerState.fromStateDict(sched, "the LR schedule");
        Timestamp t = state.timestamp();
        Map<String, Object> extra = new LinkedHashMap<>();
        Map<String, Object> loader = new LinkedHashMap<>();
        loader.put("epoch", (long) state.loader().epoch());
        loader.put("position", state.loader().position());
        extra.put("dataset_state", Map.of("train", loader));
        Map<String, Object> early = new LinkedHashMap<>();
        early.put("best", state.bestValLoss());
        early.put("wait", (long) state.evalsWithoutImprovement());
        extra.put("callbacks", Map.of("EarlyStopper", early));
        List<Map<String, Object>> rngs = new ArrayList<>();
        for (int rank = 0; rank < worldSize; rank++) { // Composer: one entry per rank (docs/distributed.md)
            Map<String, Object> rng = new LinkedHashMap<>();
            rng.put("finetune4j_seed", seed);
            rng.put("batch", t.batch());
            rng.put("rank", (long) rank);
            rngs.add(rng);
        }
        ComposerCheckpoint cp = new ComposerCheckpoint(weights, new OptimizerState(optimizer.composerName(), perParam, groups),
                ss, t, seed, runName, rngs, integrations, metadata, extra);
        return ComposerCheckpoints.save(folder, cp, keep);
    }

    /**
     * The name a trainable parameter has in a Composer checkpoint (below the {@code model.} prefix): HF names for
     * base weights; for LoRA adapters PEFT's module path with the adapter name kept, as Composer saves a PEFT model
     * (docs/formats.md §3.1, {@code state.model}: {@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight}).
     */
    static String fqn(String engineName) {
        if (!engineName.contains(".lora_A.") && !engineName.contains(".lora_B.")) {
            return engineName;
        }
        return PEFT_PREFIX + engineName.replace(".lora_A.weight", ".lora_A.default.weight")
                .replace(".lora_B.weight", ".lora_B.default.weight");
    }

    /** The inverse of {@link #fqn}: the engine's parameter name for a checkpoint key. */
    static String engineName(String fqn) {
        if (!fqn.startsWith(PEFT_PREFIX)) {
            return fqn;
        }
        return fqn.substring(PEFT_PREFIX.length()).replace(".lora_A.default.", ".lora_A.")
                .replace(".lora_B.default.", ".lora_B.");
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
        LinkedHashMap<String, StoredTensor> weights = new LinkedHashMap<>();
        cp.model().forEach((k, v) -> weights.put(engineName(k), v));
        model.loadStateDict(weights, false);
        if (cp.optimizer() == null || cp.timestamp() == null || cp.scheduler() == null) {
            throw new TrainingException("checkpoint " + file + " holds no optimizer/scheduler/timestamp state "
                    + "(weights-only?); use custom_weights_path to start from its weights instead of autoresume");
        }
        LinkedHashMap<String, Map<String, StoredTensor>> optState = new LinkedHashMap<>();
        cp.optimizer().state().forEach((k, v) -> optState.put(engineName(k), v));
        optimizer.loadState(optState);
        Timestamp ts = cp.timestamp();
        LoaderState loader = new LoaderState(0, 0);
        if (cp.extraState().get("dataset_state") instanceof Map<?, ?> ds && ds.get("train") instanceof Map<?, ?> tr) {
            loader = new LoaderState(((Number) tr.get("epoch")).intValue(), ((Number) tr.get("position")).longValue());
        }
        double best = Double.POSITIVE_INFINITY;
        int wait = 0;
        if (cp.extraState().get("callbacks") instanceof Map<?, ?> cb && cb.get("EarlyStopper") instanceof Map<?, ?> es) {
            best = ((Number) es.get("best")).doubleValue();
            wait = ((Number) es.get("wait")).intValue();
        }
        return new Restored(new TrainingState(ts, loader, best, wait), cp.scheduler().toStateDict());
    }
}
