package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.model.arch.ParameterEntry;

/**
 * One Linear layer of the decoder under its HF module name (e.g. {@code model.layers.0.self_attn.q_proj}): an fp32
 * master weight {@code [out, in]} or, with int8 quantization, int8 weights with per-output-channel scales that are
 * dequantized for each matmul; an optional bias; optional LoRA adapters {@code A [r, in]}, {@code B [out, r]}.
 */
final class Projection {

    /** The HF module name ({@code model.layers.0.self_attn.q_proj}). */
    final String name;
    /** The PEFT {@code target_modules} name, null when LoRA cannot adapt it (the LM head). */
    final String loraTarget;
    final int in;
    final int out;
    NDArray weight;
    NDArray qweight;
    NDArray scale;
    NDArray bias;
    final boolean hasBias;
    NDArray loraA;
    NDArray loraB;
    double scaling;
    double loraDropout;

    /** The projection of a registry weight entry ({@code [out, in]}). */
    Projection(ParameterEntry weight, boolean hasBias, NDArray emptyBias) {
        this(weight.module(), weight.loraTarget(), Math.toIntExact(weight.cols()), Math.toIntExact(weight.rows()),
                hasBias, emptyBias);
    }

    Projection(String name, String loraTarget, int in, int out, boolean hasBias, NDArray emptyBias) {
        this.name = name;
        this.loraTarget = loraTarget;
        this.in = in;
        this.out = out;
        this.hasBias = hasBias;
        this.bias = emptyBias;
    }

    boolean hasLora() {
        return loraA != null;
    }

    boolean quantized() {
        return qweight != null;
    }

    /** The effective base weight for one matmul (dequantized when int8). */
    NDArray baseWeight(KernelLibrary k, boolean bf16) {
        return quantized() ? k.dequantize(qweight, scale, bf16) : weight;
    }

    NDArray forward(KernelLibrary k, NDArray x, boolean training, boolean bf16) {
        NDArray w = baseWeight(k, bf16);
        if (hasLora()) {
            return k.loraLinear(x, w, bias, loraA, loraB, scaling, loraDropout, training, bf16);
        }
        return k.linear(x, w, bias, bf16);
    }
}
