package dev.finetune4j.checkpoint.composer;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import dev.finetune4j.checkpoint.torch.PyTuple;
import dev.finetune4j.checkpoint.torch.TorchFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Composer checkpoint (docs/formats.md §3.1): {@code {'state': {model, optimizers, schedulers, timestamp,
 * rank_zero_seed, run_name, integrations, metadata, ...}, 'rng': [per-rank dict]}}. Model weights and optimizer
 * state are keyed by HF parameter name here; the file stores them under the FQN {@code model.<hf name>}.
 *
 * @param model weights by HF name
 * @param optimizer optimizer state, or null (weights-only checkpoints)
 * @param scheduler LambdaLR state, or null
 * @param timestamp training progress, or null (weights-only)
 * @param rankZeroSeed {@code rank_zero_seed}, or null
 * @param runName {@code run_name}, or null
 * @param rng per-rank RNG dicts (Python values), empty for weights-only
 * @param integrations {@code state['integrations']} (Python values)
 * @param metadata {@code state['metadata']} (Python values)
 * @param extraState other {@code state} keys kept verbatim (algorithms, callbacks, scaler, dataset_state, …)
 */
public record ComposerCheckpoint(LinkedHashMap<String, StoredTensor> model, OptimizerState optimizer,
                                 SchedulerState scheduler, Timestamp timestamp, Long rankZeroSeed, String runName,
                                 List<Map<String, Object>> rng, Map<String, Object> integrations,
                                 Map<String, Object> metadata, Map<String, Object> extraState) implements TensorSource.InMemory {
    /** The FQN prefix of the HF model inside Composer's HuggingFaceModel wrapper. */
    public static final String MODEL_PREFIX = "model.";

    public ComposerCheckpoint {
        model = new LinkedHashMap<>(model);
        rng = rng == null ? List.of() : List.copyOf(rng);
        integrations = integrations == null ? Map.of() : new LinkedHashMap<>(integrations);
        metadata = metadata == null ? Map.of() : new LinkedHashMap<>(metadata);
        extraState = extraState == null ? Map.of() : new LinkedHashMap<>(extraState);
    }

    /** The model weights by HF name, in file order (the {@code model.} FQN prefix removed). */
    @Override
    public Map<String, StoredTensor> tensorMap() {
        return model;
    }

    @Override
    public String describe() {
        return "Composer checkpoint" + (runName == null ? "" : " of run " + runName);
    }

    /** A weights-only checkpoint ({@code {'state': {'model', 'integrations', 'metadata'}}}). */
    public static ComposerCheckpoint weightsOnly(LinkedHashMap<String, StoredTensor> model,
                                                 Map<String, Object> integrations, Map<String, Object> metadata) {
        return new ComposerCheckpoint(model, null, null, null, null, null, List.of(), integrations, metadata, null);
    }

    /** The torch.save value of this checkpoint. */
    public Map<String, Object> toPython() {
        Map<String, Object> state = new LinkedHashMap<>();
        Map<String, Object> m = new LinkedHashMap<>();
        model.forEach((k, v) -> m.put(MODEL_PREFIX + k, v));
        state.put("model", m);
        if (optimizer != null) {
            Map<String, Object> osd = new LinkedHashMap<>();
            Map<String, Object> perParam = new LinkedHashMap<>();
            optimizer.state().forEach((k, v) -> perParam.put(MODEL_PREFIX + k, new LinkedHashMap<String, Object>(v)));
            osd.put("state", perParam);
            List<Object> groups = new ArrayList<>();
            for (Map<String, Object> g : optimizer.paramGroups()) {
                Map<String, Object> pg = new LinkedHashMap<>(g);
                Object params = pg.remove("params");
                List<Object> fqns = new ArrayList<>();
                if (params instanceof List<?> l) {
                    for (Object p : l) {
                        fqns.add(MODEL_PREFIX + p);
                    }
                }
                pg.put("params", fqns); // torch packs params last
                groups.add(pg);
            }
            osd.put("param_groups", groups);
            state.put("optimizers", Map.of(optimizer.name(), osd));
        }
        if (scheduler != null) {
            state.put("schedulers", Map.of("LambdaLR", scheduler.toStateDict()));
        }
        extraState.forEach(state::putIfAbsent);
        if (timestamp != null) {
            state.put("timestamp", Map.of("Timestamp", timestamp.toStateDict()));
        }
        if (rankZeroSeed != null) {
            state.put("rank_zero_seed", rankZeroSeed);
        }
        if (runName != null) {
            state.put("run_name", runName);
        }
        state.put("integrations", new LinkedHashMap<>(integrations));
        state.put("metadata", new LinkedHashMap<>(metadata));
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("state", state);
        if (!rng.isEmpty()) {
            root.put("rng", new ArrayList<Object>(rng));
        }
        return root;
    }

    /** Writes the checkpoint atomically as a torch.save file. */
    public void write(Path file) {
        TorchFile.write(file, toPython());
    }

    /** Reads a checkpoint file written by Composer or by {@link #write}. */
    public static ComposerCheckpoint read(Path file) {
        return fromPython(TorchFile.read(file), file.toString());
    }

    /** Model weights by HF name from a checkpoint file, {@code *.symlink} file or sharded {@code .distcp} folder. */
    public static LinkedHashMap<String, StoredTensor> readWeightsOnly(Path path) {
        return WeightsOnlyLoader.load(path);
    }

    /** Interprets a torch.load'ed Composer checkpoint. */
    @SuppressWarnings("unchecked")
    public static ComposerCheckpoint fromPython(Object root, String source) {
        Map<String, Object> r = map(root, "the checkpoint root", source);
        Map<String, Object> state = map(r.get("state"), "'state'", source);
        LinkedHashMap<String, StoredTensor> model = modelWeights(state, source);
        OptimizerState opt = null;
        Object optimizers = state.get("optimizers");
        if (optimizers != null) {
            Map<String, Object> om = map(optimizers, "state.optimizers", source);
            if (om.size() > 1) {
                throw CheckpointFormatException.of(source, "state.optimizers holds " + om.size()
                        + " optimizers; only one is supported");
            }
            for (Map.Entry<String, Object> e : om.entrySet()) {
                opt = optimizer(e.getKey(), map(e.getValue(), "state.optimizers." + e.getKey(), source), source);
            }
        }
        SchedulerState sched = null;
        if (state.get("schedulers") instanceof Map<?, ?> sm && sm.get("LambdaLR") instanceof Map<?, ?> lr) {
            sched = SchedulerState.fromStateDict(lr, source);
        }
        Timestamp ts = null;
        if (state.get("timestamp") instanceof Map<?, ?> tm) {
            Object t = tm.get("Timestamp");
            ts = Timestamp.fromStateDict(map(t, "state.timestamp.Timestamp", source), source);
        }
        Long seed = state.get("rank_zero_seed") instanceof Long l ? l : null;
        String runName = state.get("run_name") instanceof String s ? s : null;
        List<Map<String, Object>> rng = new ArrayList<>();
        if (r.get("rng") instanceof List<?> l) {
            for (Object o : l) {
                rng.add(map(o, "an rng entry", source));
            }
        }
        Map<String, Object> integrations = state.get("integrations") instanceof Map<?, ?> im
                ? (Map<String, Object>) im : Map.of();
        Map<String, Object> metadata = state.get("metadata") instanceof Map<?, ?> mm ? (Map<String, Object>) mm : Map.of();
        Map<String, Object> extra = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : state.entrySet()) {
            switch (e.getKey()) {
                case "model": case "optimizers": case "schedulers": case "timestamp": case "rank_zero_seed":
                case "run_name": case "integrations": case "metadata":
                    break;
                default:
                    extra.put(e.getKey(), e.getValue());
            }
        }
        return new ComposerCheckpoint(model, opt, sched, ts, seed, runName, rng, integrations, metadata, extra);
    }

    static LinkedHashMap<String, StoredTensor> modelWeights(Map<String, Object> state, String source) {
        Map<String, Object> m = map(state.get("model"), "state.model", source);
        LinkedHashMap<String, StoredTensor> model = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (!(e.getValue() instanceof StoredTensor t)) {
                throw CheckpointFormatException.of(source, "state.model['" + e.getKey() + "'] is not a tensor");
            }
            model.put(stripPrefix(e.getKey()), t);
        }
        return model;
    }

    static String stripPrefix(String fqn) {
        return fqn.startsWith(MODEL_PREFIX) ? fqn.substring(MODEL_PREFIX.length()) : fqn;
    }

    private static OptimizerState optimizer(String name, Map<String, Object> osd, String source) {
        String where = "state.optimizers." + name;
        Map<String, Object> st = map(osd.get("state"), where + ".state", source);
        LinkedHashMap<String, Map<String, StoredTensor>> perParam = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : st.entrySet()) {
            Map<String, Object> ps = map(e.getValue(), where + ".state['" + e.getKey() + "']", source);
            Map<String, StoredTensor> tensors = new LinkedHashMap<>();
            ps.forEach((k, v) -> tensors.put(k, asTensor(v, where + ".state['" + e.getKey() + "']." + k, source)));
            perParam.put(stripPrefix(e.getKey()), tensors);
        }
        List<Map<String, Object>> groups = new ArrayList<>();
        if (!(osd.get("param_groups") instanceof List<?> pgs)) {
            throw CheckpointFormatException.of(source, where + ".param_groups is missing or not a list");
        }
        for (Object g : pgs) {
            Map<String, Object> pg = new LinkedHashMap<>(map(g, where + ".param_groups[]", source));
            if (pg.get("params") instanceof List<?> l) {
                List<Object> names = new ArrayList<>();
                for (Object p : l) {
                    names.add(p instanceof String s ? stripPrefix(s) : p);
                }
                pg.put("params", names);
            }
            groups.add(pg);
        }
        return new OptimizerState(name, perParam, groups);
    }

    private static StoredTensor asTensor(Object v, String where, String source) {
        if (v instanceof StoredTensor t) {
            return t;
        }
        if (v instanceof Double d) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(0, d);
            return new StoredTensor(DType.FLOAT64, new long[0], b);
        }
        if (v instanceof Long l) {
            return StoredTensor.ofLongs(new long[0], new long[] {l});
        }
        throw CheckpointFormatException.of(source, where + " is neither a tensor nor a number");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o, String what, String source) {
        if (!(o instanceof Map<?, ?> m)) {
            throw CheckpointFormatException.of(source, what + " is " + (o == null ? "missing" : "not a dict but a "
                    + o.getClass().getSimpleName()) + "; not a Composer checkpoint");
        }
        for (Object k : m.keySet()) {
            if (!(k instanceof String)) {
                throw CheckpointFormatException.of(source, what + " has a non-string key " + k);
            }
        }
        return (Map<String, Object>) m;
    }

    /** Betas as Composer writes them from Python code: a tuple. */
    public static PyTuple betas(double beta1, double beta2) {
        return PyTuple.of(beta1, beta2);
    }
}
