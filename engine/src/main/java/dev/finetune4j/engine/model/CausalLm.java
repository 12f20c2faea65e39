package dev.finetune4j.engine.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.checkpoint.peft.PeftAdapter;
import dev.finetune4j.checkpoint.peft.PeftConfig;
import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.kernel.ScalarType;
import dev.finetune4j.engine.lora.LoraOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Llama-family causal language model (Llama 2/3/3.x, CodeLlama, Mistral, Qwen2) with HF semantics
 * (docs/training.md §12.2), fp32 master parameters under their HF names, optional LoRA adapters (§8) and an
 * optional int8 base.
 *
 * <h2>Driving a training step</h2>
 * <pre>{@code
 * try (NDScope scope = new NDScope();                       // frees every array the step creates
 *      GradientCollector gc = Engine.getInstance().newGradientCollector()) {
 *     StepLoss l = model.loss(microBatch, true);             // fp32 sum over trained labels + count
 *     gc.backward(l.sum().div(globalLossTokens));            // token-weighted accumulation over micro-batches
 *     // ... more micro-batches (gradients accumulate; open one collector at a time) ...
 * }
 * double norm = GradientClipping.clipGlobalNorm(model.trainableParameters(), 1.0); // NaN/Inf check on norm
 * optimizer.step();                                          // in place, grad mode off
 * optimizer.zeroGrad();                                      // gradients are NOT zeroed by DJL
 * }</pre>
 * Parameters, gradient buffers, optimizer state and KV caches live outside the step's scope (they are unregistered
 * when created). Nothing else needs unregistering; read the loss value ({@link StepLoss#mean()}) before the scope
 * closes. Only trainable parameters have gradient buffers: the frozen base of a LoRA model has none.
 */
@SuppressWarnings("try") // NDScope blocks are used for what they free on close, not referenced
public final class CausalLm implements AutoCloseable {

    private final LlamaConfig config;
    private final ModelOptions options;
    private final NDManager manager;
    private final KernelLibrary kernels;
    private final Decoder d;
    private LoraOptions lora;

    private CausalLm(LlamaConfig config, ModelOptions options) {
        this.config = config;
        this.options = options;
        this.manager = NDManager.newBaseManager(options.device(), "PyTorch");
        this.kernels = KernelLibrary.on(options.device());
        this.lora = options.lora();
        this.d = new Decoder(config, options, manager, kernels);
    }

    // ---- construction -----------------------------------------------------------------------------------------

    /** A model without weights, for checking names and shapes against its config.json ({@link StateDictCheck}). */
    static CausalLm shell(LlamaConfig config) {
        return new CausalLm(config, ModelOptions.cpu());
    }

    /** A model with HF's initialisation: Linear/Embedding ~ N(0, initializer_range²), norms 1, biases 0. */
    public static CausalLm random(LlamaConfig config, ModelOptions options) {
        CausalLm m = new CausalLm(config, options);
        Engine.getEngine("PyTorch").setRandomSeed((int) options.seed());
        double std = config.initializerRange();
        NDArray embed = m.manager.randomNormal(0f, (float) std, new Shape(config.vocabSize(), config.hiddenSize()),
                m.d.paramType);
        if (config.padTokenId() >= 0 && config.padTokenId() < config.vocabSize()) {
            embed.set(new ai.djl.ndarray.index.NDIndex(config.padTokenId()), 0f);
        }
        m.d.embed[0] = m.keepMaster(embed);
        for (Decoder.Layer layer : m.d.layers) {
            layer.inputNorm()[0] = m.keepMaster(m.manager.ones(new Shape(config.hiddenSize()), m.d.paramType));
            layer.postNorm()[0] = m.keepMaster(m.manager.ones(new Shape(config.hiddenSize()), m.d.paramType));
            for (Projection p : layer.projections()) {
                m.setBaseWeight(p, m.manager.randomNormal(0f, (float) std, new Shape(p.out, p.in), m.d.paramType));
                if (p.hasBias) {
                    p.bias = m.keepMaster(m.manager.zeros(new Shape(p.out), m.d.paramType));
                }
            }
        }
        m.d.finalNorm[0] = m.keepMaster(m.manager.ones(new Shape(config.hiddenSize()), m.d.paramType));
        if (!config.tieWordEmbeddings()) {
            m.d.lmHead.weight = m.keepMaster(m.manager.randomNormal(0f, (float) std,
                    new Shape(config.vocabSize(), config.hiddenSize()), m.d.paramType));
        }
        m.finishSetup();
        return m;
    }

    /**
     * Loads a HF model folder: architecture from its config.json, weights streamed tensor by tensor from its
     * (memory-mapped) safetensors into fp32 master parameters (or int8), so no second full copy is held.
     */
    public static CausalLm load(HfModelFolder folder, ModelOptions options) {
        LlamaConfig config = readConfig(folder);
        return fromWeights(config, folder, options);
    }

    /**
     * A folder's config.json, validated as a whole and, when the folder has weights, against their header shapes
     * (nothing is read or allocated); a refusal names the file, the key, the value and what is allowed.
     */
    public static LlamaConfig readConfig(HfModelFolder folder) {
        try {
            LlamaConfig config = LlamaConfig.fromJson(folder.config());
            if (!folder.names().isEmpty()) {
                config.checkAgainst(folder);
            }
            return config;
        } catch (ConfigException e) {
            throw new ConfigException(folder.dir().resolve("config.json") + ": " + e.getMessage());
        }
    }

    /**
     * A model whose weights are read tensor by tensor from {@code weights} (HF names; {@code rotary_emb.inv_freq}
     * ignored; {@code lm_head.weight} optional when tied). Each tensor is converted to fp32 (or int8) and released
     * before the next is read.
     *
     * @throws StateDictException naming a missing, unexpected or mis-shaped tensor
     * @throws ConfigException    when config.json's sizes do not match the weights' headers (checked first, before
     *                            anything is allocated)
     */
    public static CausalLm fromWeights(LlamaConfig config, TensorSource weights, ModelOptions options) {
        ConfigWeightsCheck.check(config, weights);
        CausalLm m = new CausalLm(config, options);
        Engine.getEngine("PyTorch").setRandomSeed((int) options.seed());
        Set<String> expected = new LinkedHashSet<>(m.parameterNames(false));
        for (String name : weights.names()) {
            if (!expected.contains(name) && !name.endsWith("rotary_emb.inv_freq")
                    && !(name.equals("lm_head.weight") && config.tieWordEmbeddings())) {
                throw new StateDictException("weights contain '" + name + "', which a " + config.modelType()
                        + " model with this config.json does not have");
            }
        }
        for (String name : expected) {
            if (!weights.contains(name)) {
                throw new StateDictException("weights lack tensor '" + name + "' required by config.json ("
                        + config.modelType() + ", " + config.numHiddenLayers() + " layers)");
            }
            StoredTensor t = weights.tensor(name);
            m.assign(name, t);
        }
        m.finishSetup();
        return m;
    }

    private void finishSetup() {
        if (config.tieWordEmbeddings()) {
            d.lmHead.weight = d.embed[0];
        }
        if (lora != null) {
            addLora(lora);
        } else {
            for (TrainableParameter p : trainableParameters()) {
                p.array().setRequiresGradient(true);
            }
        }
    }

    private void addLora(LoraOptions o) {
        for (Decoder.Layer layer : d.layers) {
            for (Projection p : layer.projections()) {
                String shortName = p.name.substring(p.name.lastIndexOf('.') + 1);
                if (!o.targets(shortName)) {
                    continue;
                }
                NDArray a = o.init().equals("gaussian")
                        ? manager.randomNormal(0f, 1f / o.r(), new Shape(o.r(), p.in), d.paramType)
                        : manager.randomUniform((float) (-1 / Math.sqrt(p.in)), (float) (1 / Math.sqrt(p.in)),
                        new Shape(o.r(), p.in), d.paramType);
                p.loraA = keepMaster(a);
                p.loraB = keepMaster(manager.zeros(new Shape(p.out, o.r()), d.paramType));
                p.scaling = o.scaling();
                p.loraDropout = o.dropout();
                p.loraA.setRequiresGradient(true);
                p.loraB.setRequiresGradient(true);
            }
        }
    }

    private NDArray keep(NDArray x) {
        NDScope.unregister(x);
        x.attach(manager);
        return x;
    }

    /**
     * Keeps a floating-point parameter: as is (fp32/fp64), or cast to bfloat16 for bf16 master weights. DJL never
     * sees a bf16 array's dtype (its dtype mapping aborts the JVM, docs/djl.md): bf16 arrays are only handed to
     * kernels.
     */
    private NDArray keepMaster(NDArray x) {
        if (!options.bf16Masters()) {
            return keep(x);
        }
        NDArray b = kernels.cast(x, ScalarType.BFLOAT16);
        x.close();
        return keep(b);
    }

    private void setBaseWeight(Projection p, NDArray w) {
        if (options.int8()) {
            NDArray[] q = kernels.quantize(w);
            p.qweight = keep(q[0]);
            p.scale = keep(q[1]);
            w.close();
        } else {
            p.weight = keepMaster(w);
        }
    }

    /** HF names of the base model's parameters in HF order ({@code lm_head} omitted when tied unless asked). */
    List<String> parameterNames(boolean includeTiedHead) {
        List<String> names = new ArrayList<>();
        names.add("model.embed_tokens.weight");
        for (int i = 0; i < d.layers.size(); i++) {
            Decoder.Layer l = d.layers.get(i);
            names.add("model.layers." + i + ".input_layernorm.weight");
            for (Projection p : l.projections()) {
                if (p == l.mlpIn()) {
                    names.add("model.layers." + i + ".post_attention_layernorm.weight");
                }
                names.add(p.name + ".weight");
                if (p.hasBias) {
                    names.add(p.name + ".bias");
                }
            }
        }
        names.add("model.norm.weight");
        if (!config.tieWordEmbeddings() || includeTiedHead) {
            names.add("lm_head.weight");
        }
        return names;
    }

    long[] expectedShape(String name) {
        int h = config.hiddenSize();
        if (name.equals("model.embed_tokens.weight") || name.equals("lm_head.weight")) {
            return new long[] {config.vocabSize(), h};
        }
        if (name.endsWith("layernorm.weight") || name.equals("model.norm.weight")) {
            return new long[] {h};
        }
        Projection p = projection(name.substring(0, name.lastIndexOf('.')));
        return name.endsWith(".bias") ? new long[] {p.out} : new long[] {p.out, p.in};
    }

    private Projection projection(String moduleName) {
        if (moduleName.equals("lm_head")) {
            return d.lmHead;
        }
        int layer = Integer.parseInt(moduleName.split("\\.")[2]);
        for (Projection p : d.layers.get(layer).projections()) {
            if (p.name.equals(moduleName)) {
                return p;
            }
        }
        throw new StateDictException("no module '" + moduleName + "'");
    }

    /** Reads {@code t} into the parameter {@code name} (creating it on first load, copying in place later). */
    private void assign(String name, StoredTensor t) {
        long[] want = expectedShape(name);
        if (!java.util.Arrays.equals(want, t.shape())) {
            throw new StateDictException("tensor '" + name + "' has shape " + java.util.Arrays.toString(t.shape())
                    + " but config.json implies " + java.util.Arrays.toString(want));
        }
        NDArray value = Tensors.toFloat32(manager, t, name);
        if (d.paramType == DataType.FLOAT64) {
            value = value.toType(DataType.FLOAT64, false);
        }
        NDArray[] slot = slot(name);
        if (slot != null) {
            if (slot[0] == null) {
                slot[0] = keepMaster(value);
            } else {
                kernels.copyInto(slot[0], value);
                value.close();
            }
            return;
        }
        Projection p = projection(name.substring(0, name.lastIndexOf('.')));
        if (name.endsWith(".bias")) {
            if (p.bias == d.emptyBias) {
                p.bias = keepMaster(value);
            } else {
                kernels.copyInto(p.bias, value);
                value.close();
            }
        } else if (p.weight == null && p.qweight == null) {
            if (p == d.lmHead) {
                p.weight = keepMaster(value);
            } else {
                setBaseWeight(p, value);
            }
        } else if (p.quantized()) {
            NDArray[] q = kernels.quantize(value);
            kernels.copyInto(p.qweight, q[0]);
            kernels.copyInto(p.scale, q[1]);
            q[0].close();
            q[1].close();
            value.close();
        } else {
            kernels.copyInto(p.weight, value);
            value.close();
        }
    }

    /** The holder of a non-projection parameter, or null for projection weights. */
    private NDArray[] slot(String name) {
        if (name.equals("model.embed_tokens.weight")) {
            return d.embed;
        }
        if (name.equals("model.norm.weight")) {
            return d.finalNorm;
        }
        if (name.endsWith("input_layernorm.weight")) {
            return d.layers.get(Integer.parseInt(name.split("\\.")[2])).inputNorm();
        }
        if (name.endsWith("post_attention_layernorm.weight")) {
            return d.layers.get(Integer.parseInt(name.split("\\.")[2])).postNorm();
        }
        return null;
    }

    // ---- forward ----------------------------------------------------------------------------------------------

    /**
     * Logits {@code [rows, seqLen, vocab]} as float32 (also under d.bf16 precision: DJL must never see a d.bf16 array) for
     * a packed or padded batch: position ids from the batch drive RoPE, attention stays inside each document
     * ({@code cuSeqlens}).
     */
    public NDArray logits(Batch batch, boolean training) {
        NDArray raw = computeLogits(batch, training);
        return d.bf16 ? kernels.cast(raw, ScalarType.FLOAT32) : raw;
    }

    /** Logits in the compute dtype (d.bf16 under d.bf16 precision); only for kernels. */
    private NDArray computeLogits(Batch batch, boolean training) {
        checkIds(batch.inputIds(), batch.seqLen(), "input id", false);
        checkIds(batch.labels(), batch.seqLen(), "label", true);
        NDArray ids = manager.create(toLongs(batch.inputIds()), new Shape(batch.rows(), batch.seqLen()));
        AttentionLayout layout = AttentionLayout.of(batch);
        return d.forward(ids, batch.positionIds(), layout, batch.rows(), batch.seqLen(), training, null);
    }

    /**
     * The training loss of a micro-batch: fp32 sum of cross-entropies of {@code logits[t]} against
     * {@code labels[t+1]} over labels that are not -100, and their count. The LM head and the loss run in chunks of
     * tokens ({@link LossChunking}), so full logits never exist; under grad mode the sum is differentiable (its
     * gradient is computed chunk by chunk while the loss is evaluated). Training loops use
     * {@link #forwardBackward}, which also cuts activation memory.
     */
    public StepLoss loss(Batch batch, boolean training) {
        checkIds(batch.inputIds(), batch.seqLen(), "input id", false);
        checkIds(batch.labels(), batch.seqLen(), "label", true);
        NDArray ids = manager.create(toLongs(batch.inputIds()), new Shape(batch.rows(), batch.seqLen()));
        NDArray labels = manager.create(toLongs(batch.labels()), new Shape(batch.rows(), batch.seqLen()));
        Decoder.Pass pass = d.pass(batch.positionIds(), AttentionLayout.of(batch), batch.rows(), batch.seqLen(),
                training, null);
        NDArray h = d.embed(pass, ids);
        for (int i = 0; i < d.layers.size(); i++) {
            h = d.layer(pass, i, h);
        }
        NDArray normed = d.finalNorm(h);
        int chunk = LossChunking.tokensPerChunk(config.vocabSize());
        NDArray sum = ai.djl.pytorch.jni.JniUtils.isGradMode()
                ? kernels.crossEntropySurrogate(normed, d.lmHead.weight, labels, chunk, d.bf16, lora == null)
                : kernels.crossEntropyChunks(normed, d.lmHead.weight, labels, chunk, 1.0, d.bf16,
                        KernelLibrary.ChunkedBackward.NONE, false)[0];
        return new StepLoss(sum, countLossTokens(batch));
    }

    /**
     * Forward and backward of one micro-batch, layer by layer (docs/training.md, "Memory"): the loss sum times
     * {@code scale} is backpropagated; gradients accumulate into the trainable parameters' {@code .grad} buffers,
     * or, with a {@code sink}, are handed over block by block (last layer first) without any {@code .grad} buffer.
     * Call inside an {@code NDScope} and without an open GradientCollector.
     *
     * @return the micro-batch's loss sum (not scaled) and its loss-token count
     */
    public double forwardBackward(Batch batch, double scale, BackwardOptions options, GradientSink sink) {
        checkIds(batch.inputIds(), batch.seqLen(), "input id", false);
        checkIds(batch.labels(), batch.seqLen(), "label", true);
        NDArray ids = manager.create(toLongs(batch.inputIds()), new Shape(batch.rows(), batch.seqLen()));
        NDArray labels = manager.create(toLongs(batch.labels()), new Shape(batch.rows(), batch.seqLen()));
        LayerwiseBackward step = new LayerwiseBackward(d, blocks(), lora == null, options, sink, scale);
        return step.run(ids, labels, batch.positionIds(), AttentionLayout.of(batch), batch.rows(), batch.seqLen());
    }

    /** Per-position losses {@code [rows, seqLen-1]} (position t scores label t+1; 0 where ignored). */
    public NDArray tokenLosses(Batch batch) {
        NDArray logits = computeLogits(batch, false);
        NDArray labels = manager.create(toLongs(batch.labels()), new Shape(batch.rows(), batch.seqLen()));
        return kernels.crossEntropyTokens(logits, labels);
    }

    static long countLossTokens(Batch b) {
        return Batch.countLossTokens(b.rows(), b.seqLen(), b.labels());
    }

    /** A fresh, empty KV cache for {@link #nextTokenLogits}. */
    public KvCache newCache() {
        return new KvCache(d.layers.size());
    }

    /**
     * Runs {@code ids} (one sequence) after the {@code cache.length()} cached positions, appends their keys and values
     * to the cache and returns the logits {@code [vocab]} of the last position (float32; float64 for an FP64 model).
     * Call without a collector, inside an NDScope.
     */
    public NDArray nextTokenLogits(int[] ids, KvCache cache) {
        checkIds(ids, ids.length, "token id", false);
        if (d.rope.invalidatesCache(cache.length(), cache.length() + ids.length)) {
            // longrope crosses from the short to the long factors: the cached keys were rotated with the short ones,
            // so the whole sequence is recomputed once, as HF's Phi-3 generation does (docs/models.md "Phi-3")
            int[] cached = cache.ids();
            int[] all = java.util.Arrays.copyOf(cached, cached.length + ids.length);
            System.arraycopy(ids, 0, all, cached.length, ids.length);
            cache.close();
            ids = all;
        }
        int start = cache.length();
        int[] positions = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            positions[i] = start + i;
        }
        NDArray x = manager.create(toLongs(ids), new Shape(1, ids.length));
        NDArray logits = d.forward(x, positions, AttentionLayout.plain(1, ids.length), 1, ids.length, false, cache);
        cache.advance(ids);
        return kernels.lastLogits(logits).reshape(config.vocabSize());
    }

    /** Rejects ids outside the vocabulary before they reach a kernel (whose error would name no position). */
    private void checkIds(int[] ids, int seq, String what, boolean allowIgnore) {
        int vocab = config.vocabSize();
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if ((id < 0 || id >= vocab) && !(allowIgnore && id == Batch.IGNORE_INDEX)) {
                throw new IllegalArgumentException(what + " " + id + " at row " + i / seq + ", position " + i % seq
                        + " is outside the model's vocabulary [0, " + vocab + ")"
                        + (allowIgnore ? " and is not the ignore index -100" : ""));
            }
        }
    }

    static long[] toLongs(int[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    // ---- parameters and state ---------------------------------------------------------------------------------

    /** The parameters the optimizer updates, in HF order: all base weights, or only LoRA A/B when LoRA is on. */
    public List<TrainableParameter> trainableParameters() {
        return blocks().all();
    }

    /** The trainable parameters grouped by the block whose backward completes their gradients. */
    ParameterBlocks blocks() {
        List<List<TrainableParameter>> layers = new ArrayList<>();
        if (lora != null) {
            for (Decoder.Layer l : d.layers) {
                List<TrainableParameter> block = new ArrayList<>();
                for (Projection p : l.projections()) {
                    if (p.hasLora()) {
                        block.add(new TrainableParameter(p.name + ".lora_A.weight", p.loraA,
                                TrainableParameter.Group.LORA_A));
                        block.add(new TrainableParameter(p.name + ".lora_B.weight", p.loraB,
                                TrainableParameter.Group.LORA_B));
                    }
                }
                layers.add(block);
            }
            return new ParameterBlocks(List.of(), layers, List.of());
        }
        for (int i = 0; i < d.layers.size(); i++) {
            Decoder.Layer l = d.layers.get(i);
            List<TrainableParameter> block = new ArrayList<>();
            block.add(base("model.layers." + i + ".input_layernorm.weight", l.inputNorm()[0]));
            for (Projection p : l.projections()) {
                if (p == l.mlpIn()) {
                    block.add(base("model.layers." + i + ".post_attention_layernorm.weight", l.postNorm()[0]));
                }
                block.add(base(p.name + ".weight", p.weight));
                if (p.hasBias) {
                    block.add(base(p.name + ".bias", p.bias));
                }
            }
            layers.add(block);
        }
        List<TrainableParameter> head = new ArrayList<>();
        head.add(base("model.norm.weight", d.finalNorm[0]));
        if (!config.tieWordEmbeddings()) {
            head.add(base("lm_head.weight", d.lmHead.weight));
        }
        return new ParameterBlocks(List.of(base("model.embed_tokens.weight", d.embed[0])), layers, head);
    }

    private static TrainableParameter base(String name, NDArray array) {
        return new TrainableParameter(name, array, TrainableParameter.Group.BASE);
    }

    /** The fp32 array of base parameter {@code name} (null for an int8 weight). */
    private NDArray parameter(String name) {
        NDArray[] s = slot(name);
        if (s != null) {
            return s[0];
        }
        Projection p = projection(name.substring(0, name.lastIndexOf('.')));
        return name.endsWith(".bias") ? p.bias : p.weight;
    }

    /**
     * The base model's weights under HF names, as {@code dtype} (float32/bfloat16/float16); LoRA deltas merged in when
     * {@code mergeLora} (the model itself is unchanged), int8 weights dequantized. {@code lm_head} is omitted when tied.
     */
    public LinkedHashMap<String, StoredTensor> stateDict(DType dtype, boolean mergeLora) {
        LinkedHashMap<String, StoredTensor> out = new LinkedHashMap<>();
        for (String name : parameterNames(false)) {
            try (NDScope scope = new NDScope()) {
                NDArray value = parameter(name);
                if (!name.endsWith(".bias") && !name.contains("layernorm") && !name.startsWith("model.norm")
                        && !name.startsWith("model.embed")) {
                    Projection p = projection(name.substring(0, name.lastIndexOf('.')));
                    value = p.baseWeight(kernels, false);
                    if (mergeLora && p.hasLora()) {
                        value = kernels.floatCopy(value);
                        kernels.mergeLora(value, p.loraA, p.loraB, p.scaling);
                    }
                }
                out.put(name, Tensors.toStored(value, dtype));
            }
        }
        return out;
    }

    /** The base weights as float32 with LoRA merged in (what an exported HF folder holds). */
    public LinkedHashMap<String, StoredTensor> stateDict(DType dtype) {
        return stateDict(dtype, true);
    }

    /**
     * Copies weights in place from {@code tensors} (HF names, or PEFT names {@code base_model.model.…lora_A.weight}
     * for adapters). With {@code strict}, every base tensor must be present and no unknown name may appear.
     */
    public void loadStateDict(Map<String, StoredTensor> tensors, boolean strict) {
        Set<String> base = new LinkedHashSet<>(parameterNames(false));
        Set<String> seen = new LinkedHashSet<>();
        for (Map.Entry<String, StoredTensor> e : tensors.entrySet()) {
            String name = e.getKey().startsWith("base_model.model.")
                    ? e.getKey().substring("base_model.model.".length()) : e.getKey();
            if (base.contains(name)) {
                try (NDScope scope = new NDScope()) {
                    assign(name, e.getValue());
                }
                seen.add(name);
            } else if (name.contains(".lora_A.") || name.contains(".lora_B.")) {
                loadAdapter(name, e.getValue());
                seen.add(name);
            } else if (name.equals("lm_head.weight") && config.tieWordEmbeddings()
                    || name.endsWith("rotary_emb.inv_freq")) {
                continue;
            } else if (strict) {
                throw new StateDictException("state dict has '" + e.getKey() + "', which this model does not have");
            }
        }
        if (strict && lora == null) {
            for (String name : base) {
                if (!seen.contains(name)) {
                    throw new StateDictException("state dict lacks '" + name + "'");
                }
            }
        }
    }

    private void loadAdapter(String name, StoredTensor t) {
        String module = name.substring(0, name.indexOf(".lora_"));
        Projection p = projection(module);
        if (!p.hasLora()) {
            throw new StateDictException("adapter tensor '" + name + "' targets " + module
                    + ", which has no LoRA adapter in this model (lora.target_modules)");
        }
        NDArray dst = name.contains(".lora_A.") ? p.loraA : p.loraB;
        if (!java.util.Arrays.equals(dst.getShape().getShape(), t.shape())) {
            throw new StateDictException("adapter tensor '" + name + "' has shape "
                    + java.util.Arrays.toString(t.shape()) + ", expected " + dst.getShape());
        }
        try (NDScope scope = new NDScope()) {
            kernels.copyInto(dst, Tensors.toFloat32(manager, t, name));
        }
    }

    /** LoRA adapter weights under PEFT's saved names ({@code base_model.model.<module>.lora_A.weight}), float32. */
    public LinkedHashMap<String, StoredTensor> loraStateDict() {
        LinkedHashMap<String, StoredTensor> out = new LinkedHashMap<>();
        for (TrainableParameter p : lora == null ? List.<TrainableParameter>of() : trainableParameters()) {
            out.put("base_model.model." + p.name(), Tensors.toStored(p.array(), DType.FLOAT32));
        }
        return out;
    }

    /**
     * The PEFT {@code adapter_config.json} content of this model's adapters (write it with
     * {@code PeftAdapter.write(dir, peftConfig(base), loraStateDict())}).
     *
     * @throws IllegalStateException when the model has no LoRA adapters
     */
    public PeftConfig peftConfig(String baseModelNameOrPath) {
        if (lora == null) {
            throw new IllegalStateException("the model has no LoRA adapters (lora is not configured, or they were "
                    + "merged)");
        }
        return lora.toPeftConfig(baseModelNameOrPath);
    }

    /** {@link #peftConfig(String)} without a base model path ({@code base_model_name_or_path: null}). */
    public PeftConfig peftConfig() {
        return peftConfig(null);
    }

    /**
     * Loads a PEFT adapter's weights into this model's adapters; its config must match the model's LoRA settings in
     * r and target modules (build the model with {@code LoraOptions.fromPeft(adapter.config())}).
     */
    public void loadAdapter(PeftAdapter adapter) {
        if (lora == null) {
            throw new StateDictException("cannot load a PEFT adapter into a model without LoRA; build it with "
                    + "ModelOptions.withLora(LoraOptions.fromPeft(adapter.config()))");
        }
        LoraOptions theirs = LoraOptions.fromPeft(adapter.config());
        if (theirs.r() != lora.r() || !theirs.targetModules().equals(lora.targetModules())) {
            throw new StateDictException("PEFT adapter has r=" + theirs.r() + " on " + theirs.targetModules()
                    + " but the model's LoRA has r=" + lora.r() + " on " + lora.targetModules());
        }
        loadStateDict(adapter.tensors(), true);
    }

    /** The LoRA settings, or null for a model without adapters (or after {@link #mergeLora()}). */
    public LoraOptions lora() {
        return lora;
    }

    /**
     * Merges every adapter into its base weight ({@code W += scaling · B A}) and drops the adapters; the model then
     * computes the same function without LoRA. An int8 base weight becomes fp32 when merged.
     */
    public void mergeLora() {
        if (lora == null) {
            return;
        }
        for (Decoder.Layer l : d.layers) {
            for (Projection p : l.projections()) {
                if (!p.hasLora()) {
                    continue;
                }
                if (p.quantized()) {
                    try (NDScope scope = new NDScope()) {
                        p.weight = keep(kernels.floatCopy(p.baseWeight(kernels, false)));
                    }
                    p.qweight.close();
                    p.scale.close();
                    p.qweight = null;
                    p.scale = null;
                }
                kernels.mergeLora(p.weight, p.loraA, p.loraB, p.scaling);
                p.loraA.close();
                p.loraB.close();
                p.loraA = null;
                p.loraB = null;
            }
        }
        lora = null;
    }

    /** The base model's arrays (fp32 masters or int8 weights and scales), for tests. */
    List<NDArray> baseArrays() {
        List<NDArray> out = new ArrayList<>();
        out.add(d.embed[0]);
        out.add(d.finalNorm[0]);
        for (Decoder.Layer l : d.layers) {
            out.add(l.inputNorm()[0]);
            out.add(l.postNorm()[0]);
            for (Projection p : l.projections()) {
                out.add(p.quantized() ? p.qweight : p.weight);
                if (p.quantized()) {
                    out.add(p.scale);
                }
                if (p.hasBias) {
                    out.add(p.bias);
                }
            }
        }
        if (!config.tieWordEmbeddings()) {
            out.add(d.lmHead.weight);
        }
        return out;
    }

    /** Bytes held by base weights (int8 + scales when quantized), for memory reports and tests. */
    public long baseWeightBytes() {
        long n = 0;
        for (Decoder.Layer l : d.layers) {
            for (Projection p : l.projections()) {
                n += p.quantized() ? p.qweight.size() + 4 * p.scale.size()
                        : (options.bf16Masters() ? 2 : 4) * p.weight.size();
            }
        }
        return n;
    }

    public LlamaConfig config() {
        return config;
    }

    public ModelOptions options() {
        return options;
    }

    public NDManager manager() {
        return manager;
    }

    public Device device() {
        return options.device();
    }

    /** Total number of base parameters (tied head counted once). */
    public long parameterCount() {
        long n = 0;
        for (String name : parameterNames(false)) {
            n = Math.addExact(n, java.util.Arrays.stream(expectedShape(name)).reduce(1, (a, b) -> a * b));
        }
        return n;
    }

    @Override
    public void close() {
        manager.close();
    }

}
