package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.peft.PeftConfig;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.lora.LoraOptions;
import dev.finetune4j.engine.model.arch.ParameterEntry;
import dev.finetune4j.engine.model.arch.ParameterRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The LoRA adapters of one model (docs/training.md §8): {@code A [r, in]}, {@code B [out, r]} on the registry's
 * entries whose PEFT name is targeted, their trainable parameters, PEFT state dicts and merging.
 */
@SuppressWarnings("try") // NDScope blocks are used for what they free on close, not referenced
final class LoraAdapters {

    private final Decoder d;
    private final Weights weights;
    private LoraOptions options;

    /** Adapters per {@code options} (resolved for the model's family), or none when null. */
    LoraAdapters(Decoder d, Weights weights, LoraOptions options) {
        this.d = d;
        this.weights = weights;
        this.options = options == null ? null : options.forFamily(d.config.spec());
    }

    LoraOptions options() {
        return options;
    }

    /**
     * Refuses a PEFT adapter whose r or target modules differ from these adapters' (or when there are none).
     *
     * @throws StateDictException naming both settings
     */
    void requireCompatible(PeftConfig peft) {
        if (options == null) {
            throw new StateDictException("cannot load a PEFT adapter into a model without LoRA; build it with "
                    + "ModelOptions.withLora(LoraOptions.fromPeft(adapter.config()))");
        }
        LoraOptions theirs = LoraOptions.fromPeft(peft).forFamily(d.config.spec());
        if (theirs.r() != options.r() || !theirs.targetModules().equals(options.targetModules())) {
            throw new StateDictException("PEFT adapter has r=" + theirs.r() + " on " + theirs.targetModules()
                    + " but the model's LoRA has r=" + options.r() + " on " + options.targetModules());
        }
    }

    /** Creates the adapters, in HF order: A per {@code init}, B = 0; both trainable. */
    void add() {
        NDManager m = d.manager;
        LoraOptions o = options;
        for (ParameterEntry e : d.registry.loraTargets(o.targetModules())) {
            Projection p = d.bound.get(e.hfName()).projection();
            NDArray a = o.init().equals("gaussian")
                    ? m.randomNormal(0f, 1f / o.r(), new Shape(o.r(), p.in), d.paramType)
                    : m.randomUniform((float) (-1 / Math.sqrt(p.in)), (float) (1 / Math.sqrt(p.in)),
                    new Shape(o.r(), p.in), d.paramType);
            p.loraA = weights.keepMaster(a);
            p.loraB = weights.keepMaster(m.zeros(new Shape(p.out, o.r()), d.paramType));
            p.scaling = o.scaling();
            p.loraDropout = o.dropout();
            p.loraA.setRequiresGradient(true);
            p.loraB.setRequiresGradient(true);
        }
    }

    /** The adapters as trainable blocks: one per layer (no embedding or head block). */
    ParameterBlocks blocks() {
        List<List<TrainableParameter>> layers = new ArrayList<>();
        for (int i = 0; i < d.registry.layerCount(); i++) {
            layers.add(layerBlock(i));
        }
        return new ParameterBlocks(List.of(), layers, List.of());
    }

    /** Layer {@code i}'s adapter matrices (A then B per adapted weight) under their PEFT names without prefix. */
    List<TrainableParameter> layerBlock(int i) {
        List<TrainableParameter> block = new ArrayList<>();
        for (ParameterEntry e : d.registry.layer(i)) {
            Projection p = e.loraTarget() == null ? null : d.bound.get(e.hfName()).projection();
            if (p != null && p.hasLora()) {
                block.add(new TrainableParameter(ParameterRegistry.adapterName(e, ParameterRegistry.LORA_A), p.loraA,
                        TrainableParameter.Group.LORA_A));
                block.add(new TrainableParameter(ParameterRegistry.adapterName(e, ParameterRegistry.LORA_B), p.loraB,
                        TrainableParameter.Group.LORA_B));
            }
        }
        return block;
    }

    /** Copies one adapter tensor ({@code <module>.lora_A/B[.default].weight}, PEFT prefix optional) in place. */
    void load(String name, StoredTensor t) {
        ParameterRegistry.LoraMatrix mx = d.registry.loraMatrix(name).orElseThrow(() -> new StateDictException(
                "adapter tensor '" + name + "' names no module of this " + d.config.modelType()
                        + " model that LoRA can adapt; allowed modules: " + d.config.spec().loraTargets()));
        Projection p = d.bound.get(mx.target().hfName()).projection();
        if (!p.hasLora()) {
            throw new StateDictException("adapter tensor '" + name + "' targets " + mx.target().module()
                    + ", which has no LoRA adapter in this model (lora.target_modules)");
        }
        NDArray dst = mx.a() ? p.loraA : p.loraB;
        if (!Arrays.equals(dst.getShape().getShape(), t.shape())) {
            throw new StateDictException("adapter tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + dst.getShape());
        }
        try (NDScope scope = new NDScope()) {
            d.kernels.copyInto(dst, Tensors.toFloat32(d.manager, t, name));
        }
    }

    /** Adapter weights under PEFT's saved names ({@code base_model.model.<module>.lora_A.weight}), float32. */
    LinkedHashMap<String, StoredTensor> stateDict() {
        LinkedHashMap<String, StoredTensor> out = new LinkedHashMap<>();
        for (int i = 0; options != null && i < d.registry.layerCount(); i++) {
            for (TrainableParameter p : layerBlock(i)) {
                out.put(ParameterRegistry.PEFT_PREFIX + p.name(), Tensors.toStored(p.array(), DType.FLOAT32));
            }
        }
        return out;
    }

    /**
     * Merges every adapter into its base weight ({@code W += scaling · B A}) and drops the adapters; an int8 base
     * weight becomes fp32 when merged.
     */
    void merge() {
        if (options == null) {
            return;
        }
        KernelLibrary k = d.kernels;
        for (ParameterEntry e : d.registry.adaptable()) {
            Projection p = d.bound.get(e.hfName()).projection();
            if (!p.hasLora()) {
                continue;
            }
            if (p.quantized()) {
                try (NDScope scope = new NDScope()) {
                    p.weight = weights.keep(k.floatCopy(p.baseWeight(k, false)));
                }
                p.qweight.close();
                p.scale.close();
                p.qweight = null;
                p.scale = null;
            }
            k.mergeLora(p.weight, p.loraA, p.loraB, p.scaling);
            p.loraA.close();
            p.loraB.close();
            p.loraA = null;
            p.loraB = null;
        }
        options = null;
    }
}
