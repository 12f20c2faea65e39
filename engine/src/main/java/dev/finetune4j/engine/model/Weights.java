package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.kernel.ScalarType;
import dev.finetune4j.engine.model.arch.NormStyle;
import dev.finetune4j.engine.model.arch.ParameterEntry;
import dev.finetune4j.engine.model.arch.ParameterRegistry;
import dev.finetune4j.engine.model.arch.Storage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The base weights of one model, by its {@link ParameterRegistry}: HF initialisation, streaming from weights files
 * (fp32/fp64 masters, bf16 masters or int8 projections per entry's {@link Storage}), in-place updates and state
 * dicts under HF names (docs/formats.md §1).
 */
@SuppressWarnings("try") // NDScope blocks are used for what they free on close, not referenced
final class Weights {

    private final Decoder d;
    private final ParameterRegistry registry;
    private final NDManager manager;
    private final KernelLibrary kernels;
    private final boolean bf16Masters;

    Weights(Decoder d, boolean bf16Masters) {
        this.d = d;
        this.registry = d.registry;
        this.manager = d.manager;
        this.kernels = d.kernels;
        this.bf16Masters = bf16Masters;
    }

    /** HF's init: Linear/Embedding ~ N(0, initializer_range²) (padding row 0), norms 1 (0 for 1+w), biases 0. */
    void initRandom() {
        ModelConfig c = registry.config();
        float std = (float) c.initializerRange();
        for (Bound b : d.bound.values()) {
            ParameterEntry e = b.entry();
            Shape shape = new Shape(e.shape());
            NDArray value = switch (e.role()) {
                case NORM -> c.spec().norm() == NormStyle.RMS_ONE_PLUS ? manager.zeros(shape, d.paramType)
                        : manager.ones(shape, d.paramType);
                case BIAS -> manager.zeros(shape, d.paramType);
                default -> manager.randomNormal(0f, std, shape, d.paramType);
            };
            if (b.slot() == d.embed && c.padTokenId() >= 0 && c.padTokenId() < c.vocabSize()) {
                value.set(new NDIndex(c.padTokenId()), 0f);
            }
            store(b, value);
        }
    }

    /**
     * Reads every entry from {@code weights} (HF names; a tied LM head and {@code rotary_emb.inv_freq} ignored), one
     * tensor at a time.
     *
     * @throws StateDictException naming a missing, unexpected or mis-shaped tensor
     */
    void load(TensorSource weights) {
        ModelConfig c = registry.config();
        for (String name : weights.names()) {
            if (!registry.contains(name) && !registry.ignored(name)) {
                throw new StateDictException("weights contain '" + name + "', which a " + c.modelType()
                        + " model with this config.json does not have");
            }
        }
        for (ParameterEntry e : registry.entries()) {
            if (!weights.contains(e.hfName())) {
                throw new StateDictException("weights lack tensor '" + e.hfName() + "' required by config.json ("
                        + c.modelType() + ", " + c.numHiddenLayers() + " layers)");
            }
            assign(e, weights.tensor(e.hfName()));
        }
    }

    /** Reads {@code t} into entry {@code e} (creating its array on first load, copying in place later). */
    void assign(ParameterEntry e, StoredTensor t) {
        if (!Arrays.equals(e.shape(), t.shape())) {
            throw new StateDictException("tensor '" + e.hfName() + "' has shape " + Arrays.toString(t.shape())
                    + " but config.json implies " + Arrays.toString(e.shape()));
        }
        NDArray value = Tensors.toFloat32(manager, t, e.hfName());
        if (d.paramType == DataType.FLOAT64) {
            value = value.toType(DataType.FLOAT64, false);
        }
        store(d.bound.get(e.hfName()), value);
    }

    /**
     * Copies weights in place from {@code tensors} (HF names, or PEFT names for {@code adapters}); with
     * {@code strict}, every base tensor must be present (unless the model has adapters) and no unknown name may
     * appear.
     */
    void loadStateDict(Map<String, StoredTensor> tensors, boolean strict, LoraAdapters adapters) {
        Set<String> seen = new LinkedHashSet<>();
        for (Map.Entry<String, StoredTensor> e : tensors.entrySet()) {
            String name = e.getKey().startsWith(ParameterRegistry.PEFT_PREFIX)
                    ? e.getKey().substring(ParameterRegistry.PEFT_PREFIX.length()) : e.getKey();
            if (registry.contains(name)) {
                try (NDScope scope = new NDScope()) {
                    assign(registry.get(name), e.getValue());
                }
                seen.add(name);
            } else if (ParameterRegistry.looksLikeAdapter(name)) {
                adapters.load(name, e.getValue());
                seen.add(name);
            } else if (!registry.ignored(name) && strict) {
                throw new StateDictException("state dict has '" + e.getKey() + "', which this model does not have");
            }
        }
        if (strict && adapters.options() == null) {
            for (ParameterEntry e : registry.entries()) {
                if (!seen.contains(e.hfName())) {
                    throw new StateDictException("state dict lacks '" + e.hfName() + "'");
                }
            }
        }
    }

    /** Puts {@code value} where {@code b} lives: kept as its storage on first use, copied in place afterwards. */
    private void store(Bound b, NDArray value) {
        ParameterEntry e = b.entry();
        if (b.slot() != null) {
            if (b.slot().get() == null) {
                b.slot().set(keepMaster(value));
            } else {
                copy(b.slot().get(), value);
            }
            return;
        }
        Projection p = b.projection();
        if (e.bias()) {
            if (p.bias == d.emptyBias) {
                p.bias = keepMaster(value);
            } else {
                copy(p.bias, value);
            }
        } else if (p.weight == null && p.qweight == null) {
            if (e.storage() == Storage.INT8) {
                NDArray[] q = kernels.quantize(value);
                p.qweight = keep(q[0]);
                p.scale = keep(q[1]);
                value.close();
            } else {
                p.weight = keepMaster(value);
            }
        } else if (p.quantized()) {
            NDArray[] q = kernels.quantize(value);
            kernels.copyInto(p.qweight, q[0]);
            kernels.copyInto(p.scale, q[1]);
            q[0].close();
            q[1].close();
            value.close();
        } else {
            copy(p.weight, value);
        }
    }

    private void copy(NDArray dst, NDArray value) {
        kernels.copyInto(dst, value);
        value.close();
    }

    NDArray keep(NDArray x) {
        NDScope.unregister(x);
        x.attach(manager);
        return x;
    }

    /**
     * Keeps a floating-point parameter: as is (fp32/fp64), or cast to bfloat16 for bf16 master weights. DJL never
     * sees a bf16 array's dtype (its dtype mapping aborts the JVM, docs/djl.md): bf16 arrays are only handed to
     * kernels.
     */
    NDArray keepMaster(NDArray x) {
        if (!bf16Masters) {
            return keep(x);
        }
        NDArray b = kernels.cast(x, ScalarType.BFLOAT16);
        x.close();
        return keep(b);
    }

    /**
     * The base weights under HF names as {@code dtype}; LoRA deltas merged in when {@code mergeLora} (the model is
     * unchanged), int8 weights dequantized; a tied LM head omitted.
     */
    LinkedHashMap<String, StoredTensor> stateDict(DType dtype, boolean mergeLora) {
        LinkedHashMap<String, StoredTensor> out = new LinkedHashMap<>();
        for (Bound b : d.bound.values()) {
            try (NDScope scope = new NDScope()) {
                NDArray value = b.array();
                Projection p = b.projection();
                if (p != null && !b.entry().bias()) {
                    value = p.baseWeight(kernels, false);
                    if (mergeLora && p.hasLora()) {
                        value = kernels.floatCopy(value);
                        kernels.mergeLora(value, p.loraA, p.loraB, p.scaling);
                    }
                }
                out.put(b.entry().hfName(), Tensors.toStored(value, dtype));
            }
        }
        return out;
    }

    /** The base parameters as trainable blocks: embedding, one per layer, head (final norm, untied LM head). */
    ParameterBlocks blocks() {
        List<List<TrainableParameter>> layers = new ArrayList<>();
        for (int i = 0; i < registry.layerCount(); i++) {
            layers.add(trainable(registry.layer(i)));
        }
        return new ParameterBlocks(trainable(registry.embedding()), layers, trainable(registry.head()));
    }

    private List<TrainableParameter> trainable(List<ParameterEntry> entries) {
        List<TrainableParameter> out = new ArrayList<>();
        for (ParameterEntry e : entries) {
            out.add(new TrainableParameter(e.hfName(), d.bound.get(e.hfName()).array(),
                    TrainableParameter.Group.BASE));
        }
        return out;
    }

    /** The base arrays (fp masters, or int8 weights and their scales), in registry order. */
    List<NDArray> baseArrays() {
        List<NDArray> out = new ArrayList<>();
        for (Bound b : d.bound.values()) {
            Projection p = b.projection();
            if (p != null && !b.entry().bias() && p.quantized()) {
                out.add(p.qweight);
                out.add(p.scale);
            } else {
                out.add(b.array());
            }
        }
        return out;
    }

    /** Bytes held by the layers' projection weights (int8 + scales when quantized). */
    long baseWeightBytes() {
        long n = 0;
        for (Bound b : d.bound.values()) {
            Projection p = b.projection();
            if (p != null && b.entry().role().layerProjection()) {
                n += p.quantized() ? p.qweight.size() + 4 * p.scale.size() : (bf16Masters ? 2 : 4) * p.weight.size();
            }
        }
        return n;
    }
}
