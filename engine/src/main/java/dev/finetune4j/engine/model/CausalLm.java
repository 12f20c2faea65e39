package dev.finetune4j.engine.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
import dev.finetune4j.engine.model.arch.ModelFamilies;
import dev.finetune4j.engine.model.arch.ParameterRegistry;
import dev.finetune4j.engine.model.arch.Storage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A decoder-only causal language model of any supported family ({@link ModelFamilies}) with HF semantics
 * (docs/training.md §12.2), its parameters listed once in a {@link ParameterRegistry} (docs/models.md
 * §4): fp32 master parameters under their HF names ({@link Weights}), optional LoRA adapters (§8,
 * {@link LoraAdapters}) and an optional int8 base.
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

    private final ModelConfig config;
    private final ModelOptions options;
    private final NDManager manager;
    private final KernelLibrary kernels;
    private final Decoder d;
    private final Weights weights;
    private final LoraAdapters adapters;

    private CausalLm(ModelConfig config, ModelOptions options) {
        this.config = config;
        this.options = options;
        this.manager = NDManager.newBaseManager(options.device(), "PyTorch");
        this.kernels = KernelLibrary.on(options.device());
        Storage masters = options.precision() == Precision.FP64 ? Storage.FP64
                : options.bf16Masters() ? Storage.BF16 : Storage.FP32;
        ParameterRegistry registry = ParameterRegistry.of(config, masters, options.int8(), options.lora() == null);
        this.d = new Decoder(registry, options, manager, kernels);
        this.weights = new Weights(d, options.bf16Masters());
        this.adapters = new LoraAdapters(d, weights, options.lora());
    }

    // ---- construction -----------------------------------------------------------------------------------------

    /** A model with HF's initialisation: Linear/Embedding ~ N(0, initializer_range²), norms 1, biases 0. */
    public static CausalLm random(ModelConfig config, ModelOptions options) {
        CausalLm m = new CausalLm(config, options);
        Engine.getEngine("PyTorch").setRandomSeed((int) options.seed());
        m.weights.initRandom();
        m.finishSetup();
        return m;
    }

    /**
     * Loads a HF model folder: architecture from its config.json, weights streamed tensor by tensor from its
     * (memory-mapped) safetensors into fp32 master parameters (or int8), so no second full copy is held.
     */
    public static CausalLm load(HfModelFolder folder, ModelOptions options) {
        ModelConfig config = readConfig(folder);
        return fromWeights(config, folder, options);
    }

    /**
     * A folder's config.json, validated as a whole and, when the folder has weights, against their header shapes
     * (nothing is read or allocated); a refusal names the file, the key, the value and what is allowed.
     */
    public static ModelConfig readConfig(HfModelFolder folder) {
        try {
            ModelConfig config = ModelConfig.fromJson(folder.config());
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
    public static CausalLm fromWeights(ModelConfig config, TensorSource weights, ModelOptions options) {
        ConfigWeightsCheck.check(config, weights);
        CausalLm m = new CausalLm(config, options);
        Engine.getEngine("PyTorch").setRandomSeed((int) options.seed());
        m.weights.load(weights);
        m.finishSetup();
        return m;
    }

    private void finishSetup() {
        if (config.tieWordEmbeddings()) {
            d.lmHead.weight = d.embed.get();
        }
        if (adapters.options() != null) {
            adapters.add();
        } else {
            for (TrainableParameter p : trainableParameters()) {
                p.array().setRequiresGradient(true);
            }
        }
    }

    // ---- forward ----------------------------------------------------------------------------------------------

    /**
     * Logits {@code [rows, seqLen, vocab]} as float32 (also under bf16 precision: DJL must never see a bf16 array) for
     * a packed or padded batch: position ids from the batch drive RoPE, attention stays inside each document
     * ({@code cuSeqlens}).
     */
    public NDArray logits(Batch batch, boolean training) {
        NDArray raw = computeLogits(batch, arrays(batch), training);
        return d.bf16 ? kernels.cast(raw, ScalarType.FLOAT32) : raw;
    }

    /** Logits in the compute dtype (bf16 under bf16 precision); only for kernels. */
    private NDArray computeLogits(Batch batch, BatchArrays in, boolean training) {
        return d.forward(in.ids(), batch.positionIds(), AttentionLayout.of(batch), batch.rows(), batch.seqLen(),
                training, null);
    }

    /**
     * The training loss of a micro-batch: fp32 sum of cross-entropies of {@code logits[t]} against
     * {@code labels[t+1]} over labels that are not -100, and their count. The LM head and the loss run in chunks of
     * tokens ({@link LossChunking}), so full logits never exist; under grad mode the sum is differentiable (its
     * gradient is computed chunk by chunk while the loss is evaluated). Training loops use
     * {@link #forwardBackward}, which also cuts activation memory. When {@code training} a MoE model whose
     * config.json asks for router logits adds {@code router_aux_loss_coef · aux · count} ({@link RouterAuxLoss},
     * docs/models.md §8); so does {@link #forwardBackward}.
     */
    public StepLoss loss(Batch batch, boolean training) {
        BatchArrays in = arrays(batch);
        NDArray labels = in.labels();
        Decoder.Pass pass = d.pass(batch.positionIds(), AttentionLayout.of(batch), batch.rows(), batch.seqLen(),
                training, null);
        NDArray normed = d.finalNorm(d.layers(pass, d.embed(pass, in.ids())));
        int chunk = LossChunking.tokensPerChunk(config.vocabSize());
        double cap = config.family().finalLogitSoftcapping();   // Gemma 2: the loss sees the capped logits
        NDArray sum = ai.djl.pytorch.jni.JniUtils.isGradMode()
                ? kernels.crossEntropySurrogate(normed, d.lmHead.weight, labels, chunk, d.bf16, lora() == null, cap)
                : kernels.crossEntropyChunks(normed, d.lmHead.weight, labels, chunk, 1.0, d.bf16,
                        KernelLibrary.ChunkedBackward.NONE, false, cap)[0];
        long tokens = countLossTokens(batch);
        if (pass.routerLogits != null) {                        // ---- mixtral: load-balancing loss ----
            sum = sum.add(RouterAuxLoss.of(d, pass.layout, batch.rows(), batch.seqLen(), tokens)
                    .term(pass.routerLogits));
        }
        return new StepLoss(sum, tokens);
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
        BatchArrays in = arrays(batch);
        LayerwiseBackward step = new LayerwiseBackward(d, blocks(), lora() == null, options, sink, scale,
                countLossTokens(batch));
        return step.run(in.ids(), in.labels(), batch.positionIds(), AttentionLayout.of(batch), batch.rows(),
                batch.seqLen());
    }

    /** Per-position losses {@code [rows, seqLen-1]} (position t scores label t+1; 0 where ignored). */
    public NDArray tokenLosses(Batch batch) {
        BatchArrays in = arrays(batch);
        return kernels.crossEntropyTokens(computeLogits(batch, in, false), in.labels());
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
        BatchArrays.checkIds(ids, ids.length, "token id", false, config.vocabSize());
        if (d.rope.invalidatesCache(cache.length(), cache.length() + ids.length)) {
            // longrope crosses from the short to the long factors: the cached keys were rotated with the short ones,
            // so the whole sequence is recomputed once, as HF's Phi-3 generation does (docs/training.md §12.3)
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

    /** The batch's ids and labels as device arrays, checked against the vocabulary first. */
    private BatchArrays arrays(Batch batch) {
        return BatchArrays.of(batch, manager, config.vocabSize());
    }

    static long[] toLongs(int[] v) {
        return BatchArrays.toLongs(v);
    }

    // ---- parameters and state ---------------------------------------------------------------------------------

    /** Every parameter of this model (names, shapes, roles, storage) in HF order. */
    public ParameterRegistry registry() {
        return d.registry;
    }

    /** The parameters the optimizer updates, in HF order: all base weights, or only LoRA A/B when LoRA is on. */
    public List<TrainableParameter> trainableParameters() {
        return blocks().all();
    }

    /** The trainable parameters grouped by the block whose backward completes their gradients. */
    ParameterBlocks blocks() {
        return adapters.options() != null ? adapters.blocks() : weights.blocks();
    }

    /**
     * The base model's weights under HF names, as {@code dtype} (float32/bfloat16/float16); LoRA deltas merged in when
     * {@code mergeLora} (the model itself is unchanged), int8 weights dequantized; a tied LM head is omitted.
     */
    public LinkedHashMap<String, StoredTensor> stateDict(DType dtype, boolean mergeLora) {
        return weights.stateDict(dtype, mergeLora);
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
        weights.loadStateDict(tensors, strict, adapters);
    }

    /** LoRA adapter weights under PEFT's saved names ({@code base_model.model.<module>.lora_A.weight}), float32. */
    public LinkedHashMap<String, StoredTensor> loraStateDict() {
        return adapters.stateDict();
    }

    /**
     * The PEFT {@code adapter_config.json} content of this model's adapters (write it with
     * {@code PeftAdapter.write(dir, peftConfig(base), loraStateDict())}).
     *
     * @throws IllegalStateException when the model has no LoRA adapters
     */
    public PeftConfig peftConfig(String baseModelNameOrPath) {
        if (lora() == null) {
            throw new IllegalStateException("the model has no LoRA adapters (lora is not configured, or they were "
                    + "merged)");
        }
        return lora().toPeftConfig(baseModelNameOrPath);
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
        adapters.requireCompatible(adapter.config());
        loadStateDict(adapter.tensors(), true);
    }

    /** The LoRA settings (target modules resolved for the family), or null without adapters or after merging. */
    public LoraOptions lora() {
        return adapters.options();
    }

    /**
     * Merges every adapter into its base weight ({@code W += scaling · B A}) and drops the adapters; the model then
     * computes the same function without LoRA. An int8 base weight becomes fp32 when merged.
     */
    public void mergeLora() {
        adapters.merge();
    }

    /** The base model's arrays (fp32 masters or int8 weights and scales), for tests. */
    List<NDArray> baseArrays() {
        return weights.baseArrays();
    }

    /** Bytes held by base weights (int8 + scales when quantized), for memory reports and tests. */
    public long baseWeightBytes() {
        return weights.baseWeightBytes();
    }

    public ModelConfig config() {
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

    /** Total number of base parameters (tied head counted once): the registry's sum of entry sizes. */
    public long parameterCount() {
        return d.registry.count();
    }

    @Override
    public void close() {
        manager.close();
    }
}
