package dev.finetune4j.engine.model.arch;

import java.util.Arrays;

/**
 * One parameter of a model: its HF name (built from the family's {@link NameTable}), shape, role and where it sits.
 * Pure data; the model binds each entry to the array that holds its value (by {@link #hfName()}).
 *
 * @param hfName     the HF state-dict name ({@code model.layers.0.self_attn.q_proj.weight})
 * @param module     the HF module it belongs to ({@code model.layers.0.self_attn.q_proj}); PEFT adapter names are
 *                   {@code base_model.model.<module>.lora_A.weight}
 * @param part       its structural position
 * @param shape      HF shape ({@code [out, in]} for a Linear weight)
 * @param role       what it is
 * @param layer      decoder layer index, -1 outside the layers
 * @param expert     expert index, -1 when not an expert's
 * @param loraTarget the PEFT {@code target_modules} short name when LoRA may adapt it ({@code q_proj}, {@code w1},
 *                   {@code gate}); null for embeddings, norms, biases and the LM head
 * @param trainable  updated by the optimizer (false for a LoRA run's frozen base)
 * @param storage    how its value is held
 */
public record ParameterEntry(String hfName, String module, Part part, long[] shape, ParamRole role, int layer,
                             int expert, String loraTarget, boolean trainable, Storage storage) {

    public ParameterEntry {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public long size() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Rows of a Linear weight (its output features); the length of a vector. */
    public long rows() {
        return shape[0];
    }

    /** Columns of a Linear weight (its input features); 1 for a vector. */
    public long cols() {
        return shape.length > 1 ? shape[1] : 1;
    }

    /** Whether this is a projection's bias. */
    public boolean bias() {
        return role == ParamRole.BIAS;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParameterEntry e && hfName.equals(e.hfName) && module.equals(e.module) && part == e.part
                && Arrays.equals(shape, e.shape) && role == e.role && layer == e.layer && expert == e.expert
                && java.util.Objects.equals(loraTarget, e.loraTarget) && trainable == e.trainable
                && storage == e.storage;
    }

    @Override
    public int hashCode() {
        return hfName.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return hfName + Arrays.toString(shape) + " " + role + (loraTarget == null ? "" : " lora:" + loraTarget) + " "
                + storage + (trainable ? "" : " frozen");
    }
}
