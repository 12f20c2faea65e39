package dev.finetune4j.engine.plan;

import dev.finetune4j.engine.lora.LoraOptions;
import dev.finetune4j.engine.model.LossChunking;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.engine.model.arch.MoeShape;
import dev.finetune4j.engine.model.arch.ParamRole;
import dev.finetune4j.engine.model.arch.ParameterEntry;
import dev.finetune4j.engine.model.arch.ParameterRegistry;
import dev.finetune4j.engine.model.arch.Storage;

/**
 * Estimates {@link MemoryPlan}s from the architecture and the run's settings (docs/training.md, "Memory"). Parameter
 * counts are exact (summed over the model's {@link ParameterRegistry} entries); activation bytes count the tensors
 * autograd saves per layer in this engine's decoder (norm outputs, q/k/v before and after RoPE, GQA-repeated k/v,
 * attention output, MLP gate/up/activation), the runtime overhead is a fixed base plus allocator slack.
 */
public final class MemoryPlanner {

    /** JVM heap + libtorch's resident code and pools on the CPU (measured: ~180 MiB before the model exists). */
    static final long CPU_BASE = 256L << 20;
    /** CUDA context, cuBLAS workspaces and kernels. */
    static final long CUDA_BASE = 1L << 30;
    /** Allocator caching and fragmentation, as a fraction of everything else. */
    static final double SLACK = 0.05;
    /** The CUDA caching allocator fragments more than glibc with a fixed mmap threshold (unmeasured here). */
    static final double CUDA_SLACK = 0.10;

    private MemoryPlanner() {
    }

    public static MemoryPlan estimate(PlanInput in) {
        ModelConfig c = in.model();
        long h = c.hiddenSize();
        long v = c.vocabSize();
        long layers = c.numHiddenLayers();
        LoraOptions lora = in.lora() == null ? null : in.lora().forFamily(c.spec());
        // one layer's entries stand for every layer (they have the same shapes); the registry names them all
        ParameterRegistry one = ParameterRegistry.firstLayer(c, Storage.FP32, in.int8(), lora == null);
        long embed = sum(one.embedding());
        long head = one.head().stream().filter(e -> e.role() == ParamRole.LM_HEAD).mapToLong(ParameterEntry::size)
                .sum();
        long norms = sum(one.head()) - head;
        long projections = 0;
        long projectionBiases = 0;
        long loraParams = 0;
        long layerBlock = 0;
        long quantized = 0;
        long scaleRows = 0;
        for (ParameterEntry e : one.layer(0)) {
            layerBlock += e.size();
            if (e.role() == ParamRole.NORM) {
                norms += layers * e.size();
            } else if (e.bias()) {
                projectionBiases += e.size();
            } else {
                projections += e.size();
                if (e.storage() == Storage.INT8) {
                    quantized += e.size();
                    scaleRows += e.rows();
                }
                if (lora != null && e.loraTarget() != null && lora.targets(e.loraTarget())) {
                    loraParams += (long) lora.r() * (e.cols() + e.rows());
                }
            }
        }
        projections *= layers;
        projectionBiases *= layers;
        quantized *= layers;
        scaleRows *= layers;
        long parameters = embed + head + norms + projections + projectionBiases;
        boolean full = in.lora() == null;
        long trainable = full ? parameters : loraParams * layers;
        long largestLayerBlock = full ? layerBlock : loraParams;
        int master = in.bf16Masters() ? 2 : 4;
        long int8Base = in.int8() ? quantized + 4 * scaleRows : 0;
        long fpBase = in.int8() ? parameters - quantized : parameters;
        long weights = fpBase * master + (full ? 0 : trainable * master);
        long gradientElems = trainable;
        if (in.inBackward()) {
            long headBlock = full ? sum(one.head()) : 0;
            long embeddingBlock = full ? embed * (c.tieWordEmbeddings() ? 2 : 1) : 0;
            gradientElems = Math.max(largestLayerBlock, Math.max(headBlock, embeddingBlock));
        }
        long gradients = gradientElems * master;
        long optimizer = trainable * master * (in.adamw() ? 2 : 1);
        if (!in.adamw() && !in.bf16Masters()) {
            // fp32 Lion builds its sign(update) tensors with one foreach call: one more copy of what it steps
            optimizer += (in.inBackward() ? gradientElems : trainable) * 4;
        }
        long tokens = (long) in.microBatchSize() * in.contextLength();
        int act = in.bf16Compute() || in.bf16Masters() ? 2 : 4;
        // an int8 layer's dequantized weights are saved by its matmuls until the layer's backward
        long dequantized = in.int8() ? quantized / layers * act : 0;
        long perLayer = layerActivationBytes(c, in, one) * tokens + attentionMaskBytes(in) + softcapScoreBytes(c, in)
                + dequantized;
        long residual = tokens * h * master; // the residual stream has the embedding's (master) dtype
        long plain = layers * perLayer + 2 * residual;
        long checkpointed = layers * residual + perLayer + 3 * residual;
        long activations = in.checkpointing() ? checkpointed : plain;
        long chunk = Math.min(tokens, LossChunking.tokensPerChunk(c.vocabSize()));
        long logits = 3 * chunk * v * 4 + (in.bf16Compute() ? chunk * v * 2 : 0);
        // without checkpointing the loss chunk comes on top of every layer's saved activations; with it, the peak is
        // the checkpoints plus either one recomputed layer or the loss chunk, whichever is larger
        long peakTransient = in.checkpointing() ? layers * residual + 3 * residual + Math.max(perLayer, logits)
                : activations + logits;
        long base = weights + int8Base + gradients + optimizer + peakTransient;
        long overhead = (in.cuda() ? CUDA_BASE : CPU_BASE) + (long) ((in.cuda() ? CUDA_SLACK : SLACK) * base);
        return new MemoryPlan(parameters, trainable, weights, full ? weights : trainable * master, int8Base,
                gradients, optimizer, activations, plain, checkpointed, logits, overhead,
                weights + int8Base + gradients + optimizer + peakTransient + overhead);
    }

    /** Bytes autograd saves per token in one decoder layer. */
    static long layerActivationBytes(ModelConfig c, PlanInput in) {
        return layerActivationBytes(c, in, ParameterRegistry.firstLayer(c));
    }

    private static long layerActivationBytes(ModelConfig c, PlanInput in, ParameterRegistry one) {
        long h = c.hiddenSize();
        long hq = (long) c.numAttentionHeads() * c.headDim();
        long hkv = (long) c.numKeyValueHeads() * c.headDim();
        long inter = c.intermediateSize();
        long repeated = c.kvGroups() > 1 ? 2 * hq : 0;
        boolean bf16 = in.bf16Compute() || in.bf16Masters();
        int act = bf16 ? 2 : 4;
        int master = in.bf16Masters() ? 2 : 4;
        // residual-stream tensors (master dtype): layer input, two norm outputs, the mid-layer residual
        long fp32 = 4 * h * master;
        if (c.spec().sandwichNorms()) {
            // Gemma 2's norms on the attention and MLP outputs each keep their input and normalised value
            fp32 += 4 * h * master;
        }
        // bf16 compute over fp32 masters also saves the bf16 casts of the two norm outputs
        long casts = in.bf16Compute() && !in.bf16Masters() ? 2 * h * 2 : 0;
        // q: linear output, rotated half, RoPE output; k likewise; v; GQA repeats; attention output and its merge
        long attention = (3 * hq + 3 * hkv + hkv + repeated + 2 * hq) * act;
        // gate, up, silu(gate), their product
        long mlp = 4 * inter * act;
        MoeShape moe = c.family().moe();
        if (moe != null) {
            // ---- mixtral: each token runs through k experts (its gathered input, gate, up, silu, product, the
            // expert's output) plus the router's logits and fp32 probabilities ----
            mlp = moe.numExpertsPerTok() * (4 * inter + 2 * h) * act + moe.numLocalExperts() * (act + 4L);
        }
        long dropoutMasks = 0;
        if (in.lora() != null && in.lora().dropout() > 0) {
            // one hidden-sized mask per adaptable projection's input
            dropoutMasks += one.layer(0).stream().filter(e -> e.loraTarget() != null).count() * h;
        }
        return fp32 + casts + attention + mlp + dropoutMasks;
    }

    /**
     * Soft-capped attention (Gemma 2, docs/models.md §9) materialises its scores: autograd keeps the tanh output (compute
     * dtype) and the softmax output (fp32) per query-key pair and head, 0 without soft-capping.
     */
    static long softcapScoreBytes(ModelConfig c, PlanInput in) {
        if (c.family().attnLogitSoftcapping() <= 0) {
            return 0;
        }
        int act = in.bf16Compute() || in.bf16Masters() ? 2 : 4;
        long pairs = (long) in.microBatchSize() * c.numAttentionHeads() * in.contextLength() * in.contextLength();
        return pairs * (act + 4 + (act == 2 ? 2 : 0));
    }

    /** The block-diagonal document mask of packed rows (one byte per query-key pair). */
    private static long attentionMaskBytes(PlanInput in) {
        return (long) in.microBatchSize() * in.contextLength() * in.contextLength();
    }

    private static long sum(java.util.List<ParameterEntry> entries) {
        return entries.stream().mapToLong(ParameterEntry::size).sum();
    }

    /** A LoRA setting for suggestions: r = 16 on all linear layers, PEFT defaults otherwise. */
    public static LoraOptions suggestedLora() {
        return LoraOptions.of(16, 32, 0.0, LoraOptions.ALL_LINEAR);
    }
}
