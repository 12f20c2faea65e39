package dev.finetune4j.engine.train;

import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoints;
import dev.finetune4j.checkpoint.composer.OptimizerState;
import dev.finetune4j.checkpoint.composer.SchedulerState;
import dev.finetune4j.data.LoaderState;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.optim.Optimizer;
import dev.finetune4j.engine.optim.ParameterGroup;
import dev.finetune4j.engine.schedule.LrSchedule;
import dev.finetune4j.engine.schedule.Timestamp;
import dev.finetune4j.engine.model.TrainableParameter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Saves and restores a run in the Composer checkpoint layout (reference-behaviours.md §3): model weights under
 * {@code model.<hf name>} (LoRA runs: only the adapter weights), the optimizer state keyed by parameter FQN with
 * its param groups, the LambdaLR state, the timestamp, {@code rank_zero_seed}, and our data-loader position and
 * early-stopping record under {@code state['dataset_state']} / {@code state['callbacks']}.
 */
final class CheckpointIo {
    private CheckpointIo() {
    }

    static Path save(Path folder, int keep, String runName, long seed, CausalLm model, Optimizer optimizer,
                     String optimizerName, Map<String, Object> groupDefaults, LrSchedule schedule,
                     TrainingState state, Map<String, Object> integrations, Map<String, Object> metadata) {
        LinkedHashMap<String, StoredTensor> weights = new LinkedHashMap<>();
        for (TrainableParameter p : model.trainableParameters()) {
            weights.put(p.name(), dev.finetune4j.engine.model.Tensors.toStored(p.array(),
                    dev.finetune4j.checkpoint.DType.FLOAT32));
        }
        LinkedHashMap<String, Map<String, StoredTensor>> perParam = new LinkedHashMap<>(optimizer.state());
        List<Map<String, Object>> groups = new ArrayList<>();
        for (ParameterGroup g : optimizer.groups()) {
            Map<String, Object> pg = new LinkedHashMap<>(groupDefaults);
            pg.put("lr", g.lr());
            pg.put("weight_decay", g.weightDecay());
            pg.put("initial_lr", g.initialLr());
            List<Object> names = new ArrayList<>();
            for (TrainableParameter p : g.params()) {
                names.add(p.name());
            }
            pg.put("params", names);
            groups.add(pg);
        }
        Map<String, Object> sched = schedule.stateDict();
        SchedulerState ss = SchedulerState.fromStateDict(sched, "the LR schedule");
        Timestamp t = state.timestamp();
        var ts = new dev.finetune4j.checkpoint.composer.Timestamp(t.iteration(), t.epoch(), t.batch(), t.sample(),
                t.token(), t.epochInIteration(), t.tokenInIteration(), t.batchInEpoch(), t.sampleInEpoch(),
                t.tokenInEpoch(), t.totalWct(), t.iterationWct(), t.epochWct(), t.batchWct());
        Map<String, Object> extra = new LinkedHashMap<>();
        Map<String, Object> loader = new LinkedHashMap<>();
        loader.put("epoch", (long) state.loader().epoch());
        loader.put("position", state.loader().position());
        extra.put("dataset_state", Map.of("train", loader));
        Map<String, Object> early = new LinkedHashMap<>();
        early.put("best", state.bestValLoss());
        early.put("wait", (long) state.evalsWithoutImprovement());
        extra.put("callbacks", Map.of("EarlyStopper", early));
        Map<String, Object> rng = new LinkedHashMap<>();
        rng.put("finetune4j_seed", seed);
        rng.put("batch", t.batch());
        ComposerCheckpoint cp = new ComposerCheckpoint(weights, new OptimizerState(optimizerName, perParam, groups),
                ss, ts, seed, runName, List.of(rng), integrations, metadata, extra);
        return ComposerCheckpoints.save(folder, cp, keep);
    }

    static Optional<Path> latest(Path folder) {
        return ComposerCheckpoints.latest(folder);
    }

    /** What a resumed run continues from. */
    record Restored(TrainingState state, Map<String, Object> schedulerState, List<Double> groupLrs) {
    }

    static Restored restore(Path file, CausalLm model, Optimizer optimizer) {
        ComposerCheckpoint cp = ComposerCheckpoint.read(file);
        model.loadStateDict(cp.model(), false);
        if (cp.optimizer() == null || cp.timestamp() == null || cp.scheduler() == null) {
            throw new TrainingException("checkpoint " + file + " holds no optimizer/scheduler/timestamp state "
                    + "(weights-only?); use custom_weights_path to start from its weights instead of autoresume");
        }
        optimizer.loadState(cp.optimizer().state());
        List<Double> lrs = new ArrayList<>();
        for (Map<String, Object> g : cp.optimizer().paramGroups()) {
            lrs.add(((Number) g.get("lr")).doubleValue());
        }
        var t = cp.timestamp();
        Timestamp ts = new Timestamp(t.iteration(), t.epoch(), t.batch(), t.sample(), t.token(), t.epochInIteration(),
                t.tokenInIteration(), t.batchInEpoch(), t.sampleInEpoch(), t.tokenInEpoch(), t.totalWct(),
                t.iterationWct(), t.epochWct(), t.batchWct());
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
        return new Restored(new TrainingState(ts, loader, best, wait), cp.scheduler().toStateDict(), lrs);
    }
}
