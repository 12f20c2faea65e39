package dev.finetune4j.engine.model.arch;

import java.util.ArrayList;
import java.util.List;

/**
 * One model family as data (docs/models.md §1): what the decoder computes and how the
 * family's HF checkpoints name it. The decoder layer is built from these flags; no code branches on
 * {@code modelType}.
 *
 * @param modelType          config.json {@code model_type} ({@code llama})
 * @param hfArchitecture     the causal-LM class in config.json {@code architectures} ({@code LlamaForCausalLM})
 * @param hfModule           the importable transformers module of that class
 *                           ({@code transformers.models.llama.modeling_llama}), for exports and Composer
 * @param norm               how norms apply their weight
 * @param activation         the gated MLP's activation
 * @param sandwichNorms      extra norms after attention and after the feed-forward block (Gemma 2)
 * @param fusedQkv           one {@code qkv_proj} instead of q/k/v (Phi-3)
 * @param fusedGateUp        one {@code gate_up_proj} instead of gate/up (Phi-3)
 * @param scaleEmbeddings    embeddings × sqrt(hidden_size) (Gemma)
 * @param sliding            which layers use the config's sliding window
 * @param moe                a sparse MoE feed-forward block (router + experts) instead of a dense MLP (Mixtral)
 * @param names              the family's HF module names
 * @param keys               the family's config.json defaults and extra keys
 * @param defaultLoraTargets PEFT's {@code target_modules} default for the family (when none are given)
 */
public record ArchSpec(String modelType, String hfArchitecture, String hfModule, NormStyle norm, Activation activation,
                       boolean sandwichNorms, boolean fusedQkv, boolean fusedGateUp, boolean scaleEmbeddings,
                       SlidingPattern sliding, boolean moe, NameTable names, FamilyConfig keys,
                       List<String> defaultLoraTargets) {

    public ArchSpec {
        defaultLoraTargets = List.copyOf(defaultLoraTargets);
        for (Part p : layerParts(fusedQkv, fusedGateUp, moe, sandwichNorms)) {
            if (!names.has(p)) {
                throw new IllegalArgumentException(modelType + ": name table lacks " + p);
            }
        }
        if (defaultLoraTargets.isEmpty() || !loraTargetsOf(names, fusedQkv, fusedGateUp, moe, sandwichNorms)
                .containsAll(defaultLoraTargets)) {
            throw new IllegalArgumentException(modelType + ": default LoRA targets " + defaultLoraTargets
                    + " are not among the family's adaptable modules");
        }
    }

    /** {@code hfModule + "." + hfArchitecture}: what Composer's {@code integrations} names as the model class. */
    public String hfClass() {
        return hfModule + "." + hfArchitecture;
    }

    /**
     * The parts of one decoder layer in HF parameter order: input norm, attention projections, (attention-out norm),
     * feed-forward norm, feed-forward projections (router, then each expert's w1, w2, w3), (feed-forward-out norm).
     */
    public List<Part> layerParts() {
        return layerParts(fusedQkv, fusedGateUp, moe, sandwichNorms);
    }

    private static List<Part> layerParts(boolean fusedQkv, boolean fusedGateUp, boolean moe, boolean sandwich) {
        List<Part> out = new ArrayList<>();
        out.add(Part.INPUT_NORM);
        out.addAll(fusedQkv ? List.of(Part.QKV) : List.of(Part.Q, Part.K, Part.V));
        out.add(Part.O);
        if (sandwich) {
            out.add(Part.ATTN_OUT_NORM);
        }
        out.add(Part.FFN_NORM);
        if (moe) {
            out.addAll(List.of(Part.ROUTER, Part.EXPERT_W1, Part.EXPERT_W2, Part.EXPERT_W3));
        } else {
            out.addAll(fusedGateUp ? List.of(Part.GATE_UP, Part.DOWN) : List.of(Part.GATE, Part.UP, Part.DOWN));
        }
        if (sandwich) {
            out.add(Part.FFN_OUT_NORM);
        }
        return List.copyOf(out);
    }

    /** The PEFT {@code target_modules} names this family's layers accept, in layer order ({@code all-linear}). */
    public List<String> loraTargets() {
        return loraTargetsOf(names, fusedQkv, fusedGateUp, moe, sandwichNorms);
    }

    private static List<String> loraTargetsOf(NameTable names, boolean fusedQkv, boolean fusedGateUp, boolean moe,
                                              boolean sandwich) {
        List<String> out = new ArrayList<>();
        for (Part p : layerParts(fusedQkv, fusedGateUp, moe, sandwich)) {
            String t = names.loraTarget(p);
            if (t != null && !out.contains(t)) {
                out.add(t);
            }
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return modelType;
    }
}
