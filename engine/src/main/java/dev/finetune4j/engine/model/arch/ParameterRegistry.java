package dev.finetune4j.engine.model.arch;

import dev.finetune4j.engine.model.ConfigException;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.engine.model.StateDictException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every parameter of one model, in HF order, built once from its {@link ArchSpec} and {@link ModelConfig}
 * (docs/models.md §4): the embedding, each layer's parts in {@link ArchSpec#layerParts()} order
 * (a projection's bias right after its weight; experts outer, w1/w2/w3 inner), the final norm and an untied LM head.
 * Loading, state dicts, LoRA targeting, PEFT names, exports, parameter counts and memory plans iterate it.
 */
public final class ParameterRegistry {

    /** HF checkpoints may hold these non-parameter buffers; loading ignores them. */
    private static final String ROTARY_BUFFER = "rotary_emb.inv_freq";
    /** The most parameter tensors a registry lists (real checkpoints hold a few thousand). */
    static final long MAX_ENTRIES = 5_000_000;
    /** PEFT's prefix of saved adapter tensors. */
    public static final String PEFT_PREFIX = "base_model.model.";
    public static final String LORA_A = "lora_A";
    public static final String LORA_B = "lora_B";

    private final ModelConfig config;
    private final List<ParameterEntry> entries;
    private final Map<String, ParameterEntry> byName = new LinkedHashMap<>();
    private final List<List<ParameterEntry>> layers = new ArrayList<>();
    private final List<ParameterEntry> embedding = new ArrayList<>();
    private final List<ParameterEntry> head = new ArrayList<>();
    private final Map<String, LoraMatrix> loraMatrices = new LinkedHashMap<>();

    private ParameterRegistry(ModelConfig config, Storage masters, boolean int8, boolean baseTrainable) {
        this.config = config;
        ArchSpec spec = config.spec();
        NameTable names = spec.names();
        Builder b = new Builder(names, masters, int8, baseTrainable);
        long h = config.hiddenSize();
        long v = config.vocabSize();
        embedding.add(b.top(Part.EMBED, ParamRole.EMBEDDING, v, h));
        long perLayer = b.layerEntries(spec, config);
        if (config.numHiddenLayers() > MAX_ENTRIES / perLayer) {
            // a config.json not (yet) matched to weights may claim any layer count: refuse before listing them
            throw new ConfigException("config.json num_hidden_layers = " + config.numHiddenLayers() + " gives up to "
                    + perLayer + " parameter tensors per layer; allowed: at most " + MAX_ENTRIES + " tensors in all ("
                    + MAX_ENTRIES / perLayer + " layers of this model)");
        }
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            List<ParameterEntry> layer = new ArrayList<>();
            for (Part p : spec.layerParts()) {
                layer.addAll(b.layer(p, i, config));
            }
            layers.add(List.copyOf(layer));
        }
        head.add(b.top(Part.FINAL_NORM, ParamRole.NORM, h));
        if (!config.tieWordEmbeddings()) {
            head.add(b.top(Part.LM_HEAD, ParamRole.LM_HEAD, v, h));
        }
        List<ParameterEntry> all = new ArrayList<>(embedding);
        layers.forEach(all::addAll);
        all.addAll(head);
        this.entries = List.copyOf(all);
        for (ParameterEntry e : entries) {
            if (byName.put(e.hfName(), e) != null) {
                throw new IllegalStateException(spec + ": two parameters named " + e.hfName());
            }
            if (e.loraTarget() != null) {
                loraMatrices.put(adapterName(e, LORA_A), new LoraMatrix(e, true));
                loraMatrices.put(adapterName(e, LORA_B), new LoraMatrix(e, false));
            }
        }
    }

    /** The architecture's parameters: fp32, all trainable, no int8 (for checks, counts and exports). */
    public static ParameterRegistry of(ModelConfig config) {
        return new ParameterRegistry(config, Storage.FP32, false, true);
    }

    /**
     * A model's parameters as it holds them: masters in {@code masters} (FP32, FP64 or BF16), layer projections in
     * int8 when {@code int8}, and the base trainable unless LoRA freezes it.
     */
    public static ParameterRegistry of(ModelConfig config, Storage masters, boolean int8, boolean baseTrainable) {
        return new ParameterRegistry(config, masters, int8, baseTrainable);
    }

    /**
     * The registry of a one-layer model of {@code config}: its embedding, head and a layer's entries (every layer
     * has the same shapes), without listing all layers (for checks and plans of configs not yet matched to weights).
     */
    public static ParameterRegistry firstLayer(ModelConfig config) {
        return of(config.withLayers(1));
    }

    /** {@link #firstLayer(ModelConfig)} with storage, int8 and trainability as a model holds them. */
    public static ParameterRegistry firstLayer(ModelConfig config, Storage masters, boolean int8,
                                               boolean baseTrainable) {
        return of(config.withLayers(1), masters, int8, baseTrainable);
    }

    public ModelConfig config() {
        return config;
    }

    public ArchSpec spec() {
        return config.spec();
    }

    /** All entries in HF order (a tied LM head is not an entry). */
    public List<ParameterEntry> entries() {
        return entries;
    }

    /** The entry named {@code hfName}, if the model has it. */
    public Optional<ParameterEntry> find(String hfName) {
        return Optional.ofNullable(byName.get(hfName));
    }

    /** The entry named {@code hfName}. @throws StateDictException when the model has no such parameter */
    public ParameterEntry get(String hfName) {
        ParameterEntry e = byName.get(hfName);
        if (e == null) {
            throw new StateDictException("a " + spec() + " model with this config.json has no parameter '" + hfName
                    + "'");
        }
        return e;
    }

    public boolean contains(String hfName) {
        return byName.containsKey(hfName);
    }

    /** The entries of decoder layer {@code i}, in HF order. */
    public List<ParameterEntry> layer(int i) {
        return layers.get(i);
    }

    public int layerCount() {
        return layers.size();
    }

    /** The embedding block (the token embedding). */
    public List<ParameterEntry> embedding() {
        return List.copyOf(embedding);
    }

    /** The head block: final norm and an untied LM head. */
    public List<ParameterEntry> head() {
        return List.copyOf(head);
    }

    /** The HF name of the LM head's weight (absent from {@link #entries()} when tied). */
    public String lmHeadName() {
        return spec().names().module(Part.LM_HEAD) + ".weight";
    }

    /**
     * Whether a tensor of this name in foreign weights is skipped rather than refused: a tied model's LM head and
     * HF's {@code rotary_emb.inv_freq} buffers.
     */
    public boolean ignored(String hfName) {
        return config.tieWordEmbeddings() && hfName.equals(lmHeadName()) || hfName.endsWith(ROTARY_BUFFER);
    }

    /** Every Linear weight LoRA may adapt, in HF order. */
    public List<ParameterEntry> adaptable() {
        return entries.stream().filter(e -> e.loraTarget() != null).toList();
    }

    /** The weights adapted by LoRA on {@code targetModules} (PEFT short names), in HF order. */
    public List<ParameterEntry> loraTargets(Collection<String> targetModules) {
        return entries.stream().filter(e -> e.loraTarget() != null && targetModules.contains(e.loraTarget()))
                .toList();
    }

    /**
     * The LoRA matrix a state-dict name denotes: {@code <module>.lora_A.weight} or {@code lora_B} of an adaptable
     * weight, with or without PEFT's {@code base_model.model.} prefix and {@code .default} adapter name.
     */
    public Optional<LoraMatrix> loraMatrix(String stateDictName) {
        return Optional.ofNullable(loraMatrices.get(canonicalAdapterName(stateDictName)));
    }

    /** A state-dict name without PEFT's {@code base_model.model.} prefix and {@code .default} adapter name. */
    public static String canonicalAdapterName(String stateDictName) {
        String n = stateDictName.startsWith(PEFT_PREFIX) ? stateDictName.substring(PEFT_PREFIX.length())
                : stateDictName;
        return n.replace(".lora_A.default.", ".lora_A.").replace(".lora_B.default.", ".lora_B.");
    }

    /** Whether a foreign tensor name has PEFT's LoRA form (for telling adapters from unknown base tensors). */
    public static boolean looksLikeAdapter(String stateDictName) {
        return stateDictName.contains(".lora_A.") || stateDictName.contains(".lora_B.");
    }

    /**
     * One LoRA matrix of an adaptable weight: {@code A [r, in]} or {@code B [out, r]}.
     *
     * @param target the adapted weight
     * @param a      {@code lora_A} (else {@code lora_B})
     */
    public record LoraMatrix(ParameterEntry target, boolean a) {

        /** Its shape for rank {@code r}. */
        public long[] shape(int r) {
            return a ? new long[] {r, target.cols()} : new long[] {target.rows(), r};
        }

        /** Its name without PEFT's prefix. */
        public String name() {
            return adapterName(target, a ? LORA_A : LORA_B);
        }

        /**
         * Its name in a Composer checkpoint of a PEFT model: PEFT's module path with the adapter name kept
         * ({@code base_model.model.<module>.lora_A.default.weight}, docs/formats.md §3.1).
         */
        public String composerName() {
            return PEFT_PREFIX + target.module() + "." + (a ? LORA_A : LORA_B) + ".default.weight";
        }
    }

    /** PEFT's saved name of an adapter matrix ({@code which}: {@code lora_A} or {@code lora_B}) of {@code e}. */
    public static String peftName(ParameterEntry e, String which) {
        return PEFT_PREFIX + adapterName(e, which);
    }

    /** The adapter matrix's name without PEFT's prefix ({@code <module>.lora_A.weight}). */
    public static String adapterName(ParameterEntry e, String which) {
        return e.module() + "." + which + ".weight";
    }

    /** Total number of parameters (a tied head counted once): the sum of the entries' sizes. */
    public long count() {
        long n = 0;
        for (ParameterEntry e : entries) {
            n = Math.addExact(n, e.size());
        }
        return n;
    }

    /** Builds the entries of one family from its name table. */
    private static final class Builder {
        private final NameTable names;
        private final Storage masters;
        private final boolean int8;
        private final boolean trainable;

        Builder(NameTable names, Storage masters, boolean int8, boolean trainable) {
            this.names = names;
            this.masters = masters;
            this.int8 = int8;
            this.trainable = trainable;
        }

        ParameterEntry top(Part part, ParamRole role, long... shape) {
            String module = names.module(part);
            return new ParameterEntry(module + ".weight", module, part, shape, role, -1, -1, null, trainable, masters);
        }

        List<ParameterEntry> layer(Part part, int i, ModelConfig c) {
            long h = c.hiddenSize();
            long q = (long) c.numAttentionHeads() * c.headDim();
            long kv = (long) c.numKeyValueHeads() * c.headDim();
            long inter = c.intermediateSize();
            List<ParameterEntry> out = new ArrayList<>();
            switch (part) {
                case INPUT_NORM, ATTN_OUT_NORM, FFN_NORM, FFN_OUT_NORM -> out.add(norm(part, i, h));
                case Q -> linear(out, part, i, -1, ParamRole.ATTN_PROJECTION, q, h, c.qkvBias());
                case K, V -> linear(out, part, i, -1, ParamRole.ATTN_PROJECTION, kv, h, c.qkvBias());
                case QKV -> linear(out, part, i, -1, ParamRole.ATTN_PROJECTION, q + 2 * kv, h, c.qkvBias());
                case O -> linear(out, part, i, -1, ParamRole.ATTN_PROJECTION, h, q, c.oBias());
                case GATE, UP -> linear(out, part, i, -1, ParamRole.MLP_PROJECTION, inter, h, c.mlpBias());
                case GATE_UP -> linear(out, part, i, -1, ParamRole.MLP_PROJECTION, 2 * inter, h, c.mlpBias());
                case DOWN -> linear(out, part, i, -1, ParamRole.MLP_PROJECTION, h, inter, c.mlpBias());
                case ROUTER -> linear(out, part, i, -1, ParamRole.ROUTER, experts(c), h, false);
                case EXPERT_W1 -> {
                    // experts outer, w1/w2/w3 inner (HF order): all three are emitted here
                    for (int e = 0; e < experts(c); e++) {
                        linear(out, Part.EXPERT_W1, i, e, ParamRole.EXPERT_PROJECTION, inter, h, false);
                        linear(out, Part.EXPERT_W2, i, e, ParamRole.EXPERT_PROJECTION, h, inter, false);
                        linear(out, Part.EXPERT_W3, i, e, ParamRole.EXPERT_PROJECTION, inter, h, false);
                    }
                }
                case EXPERT_W2, EXPERT_W3 -> {
                    // emitted with EXPERT_W1
                }
                default -> throw new IllegalArgumentException(part + " is not a layer part");
            }
            return out;
        }

        /** At most how many entries one layer has (each part with a bias), without building them. */
        long layerEntries(ArchSpec spec, ModelConfig c) {
            long n = 0;
            for (Part p : spec.layerParts()) {
                n += p == Part.EXPERT_W1 ? 3L * experts(c) : p == Part.EXPERT_W2 || p == Part.EXPERT_W3 ? 0 : 2;
            }
            return n;
        }

        private static int experts(ModelConfig c) {
            if (c.family().moe() == null) {
                throw new IllegalStateException(c.spec() + " is a MoE family but its config has no MoE shape");
            }
            return c.family().moe().numLocalExperts();
        }

        private ParameterEntry norm(Part part, int i, long h) {
            String module = names.module(part, i);
            return new ParameterEntry(module + ".weight", module, part, new long[] {h}, ParamRole.NORM, i, -1, null,
                    trainable, masters);
        }

        private void linear(List<ParameterEntry> out, Part part, int i, int expert, ParamRole role, long rows,
                            long cols, boolean bias) {
            String module = names.module(part, i, expert);
            Storage s = int8 ? Storage.INT8 : masters;   // the MoE router too, as HF's 8-bit loading does
            out.add(new ParameterEntry(module + ".weight", module, part, new long[] {rows, cols}, role, i, expert,
                    names.loraTarget(part), trainable, s));
            if (bias) {
                out.add(new ParameterEntry(module + ".bias", module, part, new long[] {rows}, ParamRole.BIAS, i,
                        expert, null, trainable, masters));
            }
        }
    }
}
