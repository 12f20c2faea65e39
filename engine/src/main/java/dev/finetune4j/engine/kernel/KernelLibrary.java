package dev.finetune4j.engine.kernel;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.KernelBridge;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine's TorchScript kernels (resource {@code ops.py}), loaded once per device, with one typed Java method
 * per kernel. Results attach to the manager of the first tensor argument and join the caller's {@code NDScope}.
 *
 * <p>Kernels that build the model's graph run with autograd ({@code grad = true}); the optimizer kernels update in
 * place with grad mode off. Shapes follow HF: activations {@code [batch, seq, features]}, attention heads
 * {@code [batch, heads, seq, headDim]}, Linear weights {@code [out, in]}. A zero-element tensor stands for "no
 * bias" (TorchScript methods cannot receive None through DJL's JNI).
 */
public final class KernelLibrary {

    private static final String RESOURCE = "/dev/finetune4j/engine/kernel/ops.py";
    private static final Map<Device, KernelLibrary> LOADED = new ConcurrentHashMap<>();
    private static volatile Path archive;
    private static final ThreadLocal<Boolean> EXECUTOR_PLAIN = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private static final String CUDA_RESOURCE = "/dev/finetune4j/engine/kernel/cuda_ops.py";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(KernelLibrary.class);

    private final PtSymbolBlock module;
    private final long handle;
    private final Device device;
    /** CUDA-only kernels (varlen flash attention); null on the CPU or when they failed to load or run. */
    private volatile PtSymbolBlock cudaModule;

    private KernelLibrary(PtSymbolBlock module, Device device) {
        this.module = module;
        this.handle = module.getHandle();
        this.device = device;
        if (device.isGpu() && !Boolean.getBoolean("finetune4j.noFlashVarlen")) {
            try {
                cudaModule = loadCudaKernels(device);
            } catch (IOException | RuntimeException e) {
                LOG.warn("varlen flash attention unavailable on {} ({}); packed rows use a block-diagonal mask",
                        device, e.getMessage());
            }
        }
    }

    /** Writes and loads the CUDA-only kernel archive (it compiles on any device; its ops run only on CUDA). */
    static PtSymbolBlock loadCudaKernels(Device device) throws IOException {
        Engine.getEngine("PyTorch");
        Path dir = Files.createTempDirectory("finetune4j-cuda-kernels");
        Path file = dir.resolve("cuda_kernels.pt");
        KernelArchive.write(file, "CudaOps", resource(CUDA_RESOURCE));
        file.toFile().deleteOnExit();
        dir.toFile().deleteOnExit();
        NDManager owner = NDManager.newBaseManager(device, "PyTorch");
        return JniUtils.loadModule((PtNDManager) owner, file, true, new String[0], new String[0], false);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = KernelLibrary.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new KernelException("kernel source " + name + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Whether {@link #sdpaVarlen} is available (CUDA with a libtorch that has varlen flash attention). */
    public boolean hasVarlenAttention() {
        return cudaModule != null;
    }

    /**
     * Packed-row attention through {@code aten::_flash_attention_forward} with cumulative lengths (CUDA, bf16/fp16):
     * q {@code [b, h, s, d]}, k/v {@code [b, kv, s, d]} (GQA handled by flash), {@code cu} int32 cumulative lengths
     * over the flattened {@code b·s} positions. Returns {@code [b, s, h·d]}, or null after disabling itself when the
     * call fails (the caller then uses {@link #sdpaMasked}).
     */
    public NDArray sdpaVarlen(NDArray q, NDArray k, NDArray v, NDArray cu, int maxLen, double dropout, double scale,
                              int window) {
        PtSymbolBlock m = cudaModule;
        if (m == null) {
            return null;
        }
        try {
            return KernelBridge.run(m.getHandle(), "sdpa_varlen", (PtNDManager) q.getManager(), true, pt(q), pt(k),
                    pt(v), pt(cu), maxLen, dropout, scale, window)[0];
        } catch (RuntimeException e) {
            LOG.warn("varlen flash attention failed on {} ({}); falling back to a block-diagonal mask", device,
                    e.getMessage());
            cudaModule = null;
            return null;
        }
    }

    /** The kernel library on {@code device}, loaded at first use (compile errors surface here). */
    public static KernelLibrary on(Device device) {
        return LOADED.computeIfAbsent(device, KernelLibrary::load);
    }

    /** The kernel library on the device of {@code x}. */
    public static KernelLibrary of(NDArray x) {
        return on(x.getDevice());
    }

    private static KernelLibrary load(Device device) {
        Engine.getEngine("PyTorch");
        Path path = archivePath();
        NDManager owner = NDManager.newBaseManager(device, "PyTorch");
        try {
            PtSymbolBlock block = JniUtils.loadModule((PtNDManager) owner, path, true, new String[0], new String[0],
                    false);
            return new KernelLibrary(block, device);
        } catch (RuntimeException e) {
            owner.close();
            throw new KernelException("cannot load the kernel library " + path + " on " + device + ": "
                    + e.getMessage(), e);
        }
    }

    private static synchronized Path archivePath() {
        if (archive == null) {
            try {
                String source = resource(RESOURCE);
                Path dir = Files.createTempDirectory("finetune4j-kernels");
                Path file = dir.resolve("kernels.pt");
                KernelArchive.write(file, "Ops", source);
                file.toFile().deleteOnExit();
                dir.toFile().deleteOnExit();
                archive = file;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the kernel archive: " + e.getMessage(), e);
            }
        }
        return archive;
    }

    public Device device() {
        return device;
    }

    private PtNDArray[] call(String method, boolean grad, PtNDManager manager, Object... args) {
        if (!EXECUTOR_PLAIN.get()) {
            // Each kernel is one or a few aten ops: the profiling executor's fusion passes would only add compile
            // pauses (hundreds of ms, at random steps). The setting is thread-local in libtorch.
            JniUtils.setGraphExecutorOptimize(false);
            EXECUTOR_PLAIN.set(Boolean.TRUE);
        }
        try {
            return KernelBridge.run(handle, method, manager, grad, args);
        } catch (RuntimeException e) {
            throw new KernelException("kernel '" + method + "' failed: " + e.getMessage(), e);
        }
    }

    /**
     * Runs a kernel that creates new, ordinary tensors without recording autograd (grad mode off for the call, but
     * not inference mode: inference tensors could never become parameters).
     */
    private PtNDArray[] noGrad(String method, PtNDManager manager, Object... args) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            return call(method, true, manager, args);
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    private PtNDArray one(String method, NDArray first, Object... args) {
        return call(method, true, (PtNDManager) first.getManager(), args)[0];
    }

    private static PtNDArray pt(NDArray x) {
        return (PtNDArray) x;
    }

    // ---- casts -----------------------------------------------------------------------------------------------

    /** {@code x.to(dtype)} keeping the autograd graph (DJL's toType drops it). */
    public NDArray cast(NDArray x, ScalarType dtype) {
        return one("cast", x, pt(x), dtype.code());
    }

    /** {@code dst.copy_(src)} in place without autograd (shapes must match; src is converted to dst's dtype). */
    public void copyInto(NDArray dst, NDArray src) {
        call("copy_into", false, (PtNDManager) dst.getManager(), pt(dst), pt(src));
    }

    /** PEFT merge (docs/training.md §8): {@code weight += scaling * (B @ A)} in place. */
    public void mergeLora(NDArray weight, NDArray loraA, NDArray loraB, double scaling) {
        call("merge_lora", false, (PtNDManager) weight.getManager(), pt(weight), pt(loraA), pt(loraB), scaling);
    }

    /** A float32 copy with its own storage (for arrays that alias a mapped file or a Java buffer). */
    public NDArray floatCopy(NDArray x) {
        return noGrad("float_copy", (PtNDManager) x.getManager(), pt(x))[0];
    }

    // ---- layers ----------------------------------------------------------------------------------------------

    /** Embedding lookup; row {@code paddingIdx} gets no gradient (-1 for none). */
    public NDArray embedding(NDArray weight, NDArray ids, long paddingIdx) {
        return one("embedding", weight, pt(weight), pt(ids), paddingIdx);
    }

    /** HF Llama RMSNorm (docs/training.md §12.2): fp32 statistics, {@code weight * y.to(x.dtype)}. */
    public NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
        return one("rms_norm", x, pt(x), pt(weight), eps);
    }

    /** {@code x W^T + b}; with {@code bf16} the matmul runs in bfloat16 and returns bfloat16. */
    public NDArray linear(NDArray x, NDArray weight, NDArray bias, boolean bf16) {
        return one("linear", x, pt(x), pt(weight), pt(bias), bf16);
    }

    /** PEFT LoRA Linear (docs/training.md §8): {@code base(x) + B(A(dropout(x))) * scaling}. */
    public NDArray loraLinear(NDArray x, NDArray weight, NDArray bias, NDArray loraA, NDArray loraB, double scaling,
                              double dropout, boolean training, boolean bf16) {
        return one("lora_linear", x, pt(x), pt(weight), pt(bias), pt(loraA), pt(loraB), scaling, dropout, training,
                bf16);
    }

    /** {@code qweight * scale[:, None]} as float32 (or bfloat16). */
    public NDArray dequantize(NDArray qweight, NDArray scale, boolean bf16) {
        return one("dequantize", scale, pt(qweight), pt(scale), bf16);
    }

    /** Symmetric per-output-channel int8: returns {@code [qweight int8, scale float32]}, scale = max|row|/127. */
    public NDArray[] quantize(NDArray weight) {
        return noGrad("quantize", (PtNDManager) weight.getManager(), pt(weight));
    }

    /** Inverted dropout (identity unless {@code training}). */
    public NDArray dropout(NDArray x, double p, boolean training) {
        return one("dropout", x, pt(x), p, training);
    }

    /** {@code silu(gate) * up}. */
    public NDArray siluMul(NDArray gate, NDArray up) {
        return one("silu_mul", gate, pt(gate), pt(up));
    }

    /**
     * RoPE tables {@code [cos, sin]}, each {@code [b, s, 2·len(invFreq)]}: {@code cat(f, f)} with
     * {@code f = positions ⊗ invFreq}, computed in invFreq's dtype (docs/training.md §12.3).
     */
    public NDArray[] ropeTables(NDArray positions, NDArray invFreq) {
        return call("rope_tables", true, (PtNDManager) positions.getManager(), pt(positions), pt(invFreq));
    }

    /** Splits {@code [b, s, heads*hd]} into heads {@code [b, heads, s, hd]} and applies rotate-half RoPE. */
    public NDArray rope(NDArray x, NDArray cos, NDArray sin, int heads, int headDim) {
        return one("rope", x, pt(x), pt(cos), pt(sin), heads, headDim);
    }

    /** Splits {@code [b, s, heads*hd]} into {@code [b, heads, s, hd]}. */
    public NDArray splitHeads(NDArray x, int heads, int headDim) {
        return one("split_heads", x, pt(x), heads, headDim);
    }

    /** Causal SDPA with GQA (kv heads repeated {@code nRep} times consecutively); returns {@code [b, s, h*hd]}. */
    public NDArray sdpaCausal(NDArray q, NDArray k, NDArray v, int nRep, double dropout, double scale) {
        return one("sdpa_causal", q, pt(q), pt(k), pt(v), nRep, dropout, scale);
    }

    /** SDPA with a boolean mask {@code [b|1, 1, sq, sk]} (true = may attend); returns {@code [b, sq, h*hd]}. */
    public NDArray sdpaMasked(NDArray q, NDArray k, NDArray v, NDArray mask, int nRep, double dropout,
                              double scale) {
        return one("sdpa_masked", q, pt(q), pt(k), pt(v), pt(mask), nRep, dropout, scale);
    }

    /**
     * Block-diagonal causal mask {@code [b, 1, s, s]} from per-position document ids {@code [b, s]} (int64): query i
     * sees key j iff same document, {@code j <= i} and, when {@code window > 0}, {@code i - j < window}.
     */
    public NDArray documentMask(NDArray docIds, int window) {
        return one("document_mask", docIds, pt(docIds), window);
    }

    /** Mask {@code [1, 1, qLen, kLen]} for the last {@code qLen} positions against a KV cache of {@code kLen}. */
    public NDArray cacheMask(int qLen, int kLen, int window, NDArray deviceLike) {
        return one("cache_mask", deviceLike, qLen, kLen, window, pt(deviceLike));
    }

    /** Sum over positions of fp32 cross-entropy of {@code logits[:, t]} vs {@code labels[:, t+1]}, ignore -100. */
    public NDArray crossEntropySum(NDArray logits, NDArray labels) {
        return one("cross_entropy_sum", logits, pt(logits), pt(labels));
    }

    /** Per-position losses {@code [b, s-1]} (0 where the shifted label is -100). */
    public NDArray crossEntropyTokens(NDArray logits, NDArray labels) {
        return one("cross_entropy_tokens", logits, pt(logits), pt(labels));
    }

    /** {@code h + dropout(x)} (the residual stream keeps h's dtype under type promotion). */
    public NDArray residualAdd(NDArray h, NDArray x, double dropout, boolean training) {
        return one("residual_add", h, pt(h), pt(x), dropout, training);
    }

    /** Appends {@code x} to a KV cache along the sequence axis 2 (a zero-element cache means empty). */
    public NDArray cacheAppend(NDArray cache, NDArray x) {
        return one("cache_append", x, pt(cache), pt(x));
    }

    /** The last position's logits {@code [b, vocab]} as float32. */
    public NDArray lastLogits(NDArray logits) {
        return one("last_logits", logits, pt(logits));
    }

    /** What {@link #crossEntropyChunks} does besides summing the loss. */
    public enum ChunkedBackward {
        /** the loss sum only (no autograd) */
        NONE,
        /** also backpropagates: accumulates into {@code weight.grad} and returns the gradient of {@code h} */
        ACCUMULATE,
        /** also returns the gradients of {@code h} and {@code weight} without touching any {@code .grad} */
        RETURN
    }

    /**
     * The language-model loss without full logits: cross-entropy of {@code linear(h[:, t], weight)} against
     * {@code labels[:, t+1]} summed over tokens (ignore -100), {@code chunk} tokens at a time so that only one chunk's
     * logits (and their gradient) exist at once; {@code h [b, s, hidden]} is the final norm's output. With a
     * backward mode each chunk's loss times {@code scale} is backpropagated right after it is computed. Returns
     * {@code [lossSum]}, or {@code [lossSum, dh [b, s, hidden], dweight]} ({@code dweight} zero-element unless
     * {@code weightGrad} and {@code RETURN}). See docs/training.md ("Memory").
     */
    public NDArray[] crossEntropyChunks(NDArray h, NDArray weight, NDArray labels, int chunk, double scale,
                                        boolean bf16, ChunkedBackward mode, boolean weightGrad) {
        return crossEntropyChunks(h, weight, labels, chunk, scale, bf16, mode, weightGrad, 0.0);
    }

    /**
     * {@link #crossEntropyChunks(NDArray, NDArray, NDArray, int, double, boolean, ChunkedBackward, boolean)} with
     * each chunk's fp32 logits soft-capped to {@code tanh(logits / softcap) · softcap} before the cross-entropy
     * (Gemma 2's final logit soft-capping, docs/models.md §9); {@code softcap <= 0} means none.
     */
    public NDArray[] crossEntropyChunks(NDArray h, NDArray weight, NDArray labels, int chunk, double scale,
                                        boolean bf16, ChunkedBackward mode, boolean weightGrad, double softcap) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(mode != ChunkedBackward.NONE);
        try {
            return call("ce_chunks", true, (PtNDManager) h.getManager(), pt(h), pt(weight), pt(labels), chunk, scale,
                    bf16, mode.ordinal(), weightGrad, softcap);
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    /**
     * The chunked loss sum as a differentiable scalar (under grad mode): its value is the loss and its gradient
     * w.r.t. {@code h} (and {@code weight} when {@code weightGrad}) is the exact cross-entropy gradient, computed
     * chunk by chunk while the loss is evaluated, so no full logits exist in forward or backward.
     */
    public NDArray crossEntropySurrogate(NDArray h, NDArray weight, NDArray labels, int chunk, boolean bf16,
                                         boolean weightGrad) {
        return crossEntropySurrogate(h, weight, labels, chunk, bf16, weightGrad, 0.0);
    }

    /** {@link #crossEntropySurrogate(NDArray, NDArray, NDArray, int, boolean, boolean)} with final logit soft-capping
     * ({@code softcap <= 0}: none), as in {@link #crossEntropyChunks}. */
    public NDArray crossEntropySurrogate(NDArray h, NDArray weight, NDArray labels, int chunk, boolean bf16,
                                         boolean weightGrad, double softcap) {
        return one("ce_surrogate", h, pt(h), pt(weight), pt(labels), chunk, bf16, weightGrad, softcap);
    }

    /** {@code torch.autograd.backward(outputs, grads)}: accumulates into the {@code .grad} of the graph's leaves. */
    public void backward(List<? extends NDArray> outputs, List<? extends NDArray> grads) {
        call("backward_from", true, (PtNDManager) outputs.get(0).getManager(), outputs, grads);
    }

    /**
     * {@code torch.autograd.grad(outputs, inputs, grads)}: the gradients of {@code inputs} (zeros for unused ones)
     * returned instead of accumulated, so no {@code .grad} buffer is created.
     */
    public NDArray[] gradients(List<? extends NDArray> outputs, List<? extends NDArray> inputs,
                               List<? extends NDArray> grads) {
        return call("grads_of", true, (PtNDManager) outputs.get(0).getManager(), outputs, inputs, grads);
    }

    // ---- optimizer kernels (in place, grad mode off) ------------------------------------------------------------

    /** Global L2 norm over all gradients (a 0-d float tensor). */
    public NDArray gradNorm(List<? extends NDArray> grads) {
        return call("grad_norm", false, (PtNDManager) grads.get(0).getManager(), grads)[0];
    }

    /** {@code clip_grad_norm_}: scales the gradients by {@code min(1, maxNorm/(norm+1e-6))}; returns the norm. */
    public NDArray clipGradNorm(List<? extends NDArray> grads, double maxNorm) {
        return call("clip_grad_norm", false, (PtNDManager) grads.get(0).getManager(), grads, maxNorm)[0];
    }

    /** One DecoupledLionW update (docs/training.md §3.1); {@code decay = 1 - (lr/initialLr)*wd}. */
    public void lionStep(List<? extends NDArray> params, List<? extends NDArray> grads,
                         List<? extends NDArray> expAvgs, double lr, double decay, double beta1, double beta2) {
        call("lion_step", false, (PtNDManager) params.get(0).getManager(), params, grads, expAvgs, lr, decay, beta1,
                beta2);
    }

    /** One decoupled AdamW update: decay first, then bias-corrected Adam ({@code steps} incremented). */
    public void adamwStep(List<? extends NDArray> params, List<? extends NDArray> grads,
                          List<? extends NDArray> expAvgs, List<? extends NDArray> expAvgSqs,
                          List<? extends NDArray> steps, double lr, double decay, double beta1, double beta2,
                          double eps) {
        call("adamw_step", false, (PtNDManager) params.get(0).getManager(), params, grads, expAvgs, expAvgSqs, steps,
                lr, decay, beta1, beta2, eps);
    }

    /**
     * {@link #lionStep} for bfloat16 parameters and state: the update is computed in fp32 and written back with
     * stochastic rounding ({@link #roundBf16}), so steps far below bf16's resolution still move the parameters in
     * expectation instead of rounding away.
     */
    public void lionStepBf16(List<? extends NDArray> params, List<? extends NDArray> grads,
                             List<? extends NDArray> expAvgs, double lr, double decay, double beta1, double beta2) {
        call("lion_step_sr", false, (PtNDManager) params.get(0).getManager(), params, grads, expAvgs, lr, decay, beta1,
                beta2);
    }

    /** {@link #adamwStep} for bfloat16 parameters and state, fp32 math and stochastic rounding (see lionStepBf16). */
    public void adamwStepBf16(List<? extends NDArray> params, List<? extends NDArray> grads,
                              List<? extends NDArray> expAvgs, List<? extends NDArray> expAvgSqs,
                              List<? extends NDArray> steps, double lr, double decay, double beta1, double beta2,
                              double eps) {
        call("adamw_step_sr", false, (PtNDManager) params.get(0).getManager(), params, grads, expAvgs, expAvgSqs,
                steps, lr, decay, beta1, beta2, eps);
    }

    /**
     * fp32 → bfloat16 with stochastic rounding: with {@code x = m·2^e} ({@code |m|} in [0.5, 1)), the 8-bit
     * significand is {@code floor(256·m + u)/256}, u uniform in [0, 1), so {@code E[round(x)] = x}. Chosen over Kahan-compensated summation because it
     * needs no extra per-parameter buffer (Kahan's compensation would add 2 bytes per parameter, 50% more than the
     * bf16 weights + Lion state it protects) and keeps every update unbiased (docs/training.md, "Memory").
     */
    public NDArray roundBf16(NDArray x) {
        return noGrad("round_bf16", (PtNDManager) x.getManager(), pt(x))[0];
    }

    /** The tensor's libtorch dtype, read without DJL's dtype mapping (which aborts on bfloat16). */
    public ScalarType scalarType(NDArray x) {
        try (NDArray code = noGrad("scalar_type", (PtNDManager) x.getManager(), pt(x))[0]) {
            return ScalarType.of((int) code.toLongArray()[0]);
        }
    }

    /** Zeros of the shape and dtype of {@code x} (bfloat16 included). */
    public NDArray zerosLike(NDArray x) {
        return noGrad("zeros_like", (PtNDManager) x.getManager(), pt(x))[0];
    }

    /** Sets every tensor of {@code grads} to zero in place. */
    public void zero(List<? extends NDArray> grads) {
        call("zero_grads", false, (PtNDManager) grads.get(0).getManager(), grads);
    }

    // ---- mixtral ----------------------------------------------------------------------------------------------
    // Sparse MoE kernels (docs/models.md §8): routing, per-expert dispatch and the load-balancing loss.

    /**
     * Routes tokens: router {@code logits [..., E]} → {@code [weights [T, k] in like's dtype, experts [T, k] int64]},
     * softmax over the experts in fp32 (float64 stays float64), the k largest with ties going to the lower expert
     * index, weights renormalised over the k chosen (HF's MixtralSparseMoeBlock). T = all leading dims flattened.
     */
    public NDArray[] moeRoute(NDArray logits, int topK, NDArray like) {
        return call("moe_route", true, (PtNDManager) logits.getManager(), pt(logits), topK, pt(like));
    }

    /**
     * Per expert, the flat positions {@code p} into the {@code [T, k]} picks that chose it (ascending; token =
     * {@code p / k}); an expert nobody picked gets a zero-element array.
     */
    public NDArray[] moeDispatch(NDArray experts, int numExperts) {
        return noGrad("moe_dispatch", (PtNDManager) experts.getManager(), pt(experts), numExperts);
    }

    /** The rows of {@code x [..., hidden]} (flattened to {@code [T, hidden]}) of the tokens at {@code positions}. */
    public NDArray moeGather(NDArray x, NDArray positions, int topK) {
        return one("moe_gather", x, pt(x), pt(positions), topK);
    }

    /**
     * The MoE output shaped like {@code x}: each expert output row {@code ys[e][j]} times the routing weight of its
     * pick, summed into the row of its token ({@code index_add}); zeros when no expert ran.
     */
    public NDArray moeCombine(NDArray x, List<? extends NDArray> ys, List<? extends NDArray> positions,
                              NDArray weights, int topK) {
        return one("moe_combine", x, pt(x), ys, positions, pt(weights), topK);
    }

    /**
     * All experts of a MoE block in one call, for plain weights (no LoRA, no int8): for each expert {@code e} with
     * positions, {@code w2[e](silu(w1[e] x) * w3[e] x)} on its gathered rows (FFN dropout on the product), then
     * {@link #moeCombine}. The same math as running {@link #moeGather}, {@link #linear}, {@link #siluMul} and
     * {@link #moeCombine} per expert, with one JNI call instead of five per expert.
     */
    public NDArray moeExperts(NDArray x, List<? extends NDArray> positions, List<? extends NDArray> w1,
                              List<? extends NDArray> w3, List<? extends NDArray> w2, NDArray weights, int topK,
                              double ffnDropout, boolean training, boolean bf16) {
        return one("moe_experts", x, pt(x), positions, w1, w3, w2, pt(weights), topK, ffnDropout, training, bf16);
    }

    /**
     * HF's load-balancing loss over all layers' router {@code logits} (each {@code [T, E]} or {@code [b, s, E]}),
     * counting the tokens where {@code mask} (T values, int64 or bool) is non-zero: {@code E · Σ_e F_e · P_e} with
     * {@code F} from {@link #moeAuxFrequencies} and {@code P_e} the mean probability of expert e (differentiable).
     */
    public NDArray moeAuxLoss(List<? extends NDArray> logits, NDArray mask, int topK) {
        return call("moe_aux_loss", true, (PtNDManager) mask.getManager(), logits, pt(mask), topK)[0];
    }

    /**
     * The load-balancing loss's pick frequencies {@code F [E]} (float64, no gradient): per expert, the picks of all
     * k slots over all layers' counted tokens, divided by layers × counted tokens.
     */
    public NDArray moeAuxFrequencies(List<? extends NDArray> logits, NDArray mask, int topK) {
        return noGrad("moe_aux_frequencies", (PtNDManager) mask.getManager(), logits, pt(mask), topK)[0];
    }

    /** One layer's share of {@link #moeAuxLoss} given the frequencies {@code freq} (the loss is their sum). */
    public NDArray moeAuxPart(NDArray logits, NDArray mask, NDArray freq, int numLayers) {
        return one("moe_aux_part", logits, pt(logits), pt(mask), pt(freq), numLayers);
    }

    // ---- gemma2 ----

    /** Gemma's RMSNorm (docs/models.md §9): fp32 statistics and scale {@code (1 + weight)}, result in x's dtype. */
    public NDArray rmsNormOnePlus(NDArray x, NDArray weight, double eps) {
        return one("rms_norm_one_plus", x, pt(x), pt(weight), eps);
    }

    /** {@code gelu_tanh(gate) * up} (HF's {@code gelu_pytorch_tanh}). */
    public NDArray geluTanhMul(NDArray gate, NDArray up) {
        return one("gelu_tanh_mul", gate, pt(gate), pt(up));
    }

    /** {@code x} times {@code scale} rounded to x's dtype first (Gemma's sqrt(hidden) embedding normalizer). */
    public NDArray scaleInDtype(NDArray x, double scale) {
        return one("scale_in_dtype", x, pt(x), scale);
    }

    /** {@code tanh(x / cap) · cap}. */
    public NDArray softcap(NDArray x, double cap) {
        return one("softcap", x, pt(x), cap);
    }

    /**
     * Attention with tanh soft-capped scores (fused SDPA cannot cap):
     * {@code softmax(mask(cap·tanh(q kᵀ·scale/cap))) v} with GQA (kv heads repeated {@code nRep} times), a boolean mask {@code [b|1, 1, sq, sk]} (true = may attend;
     * every query must see at least one key), softmax in at least fp32. Returns {@code [b, sq, h·hd]}.
     */
    public NDArray sdpaSoftcap(NDArray q, NDArray k, NDArray v, NDArray mask, int nRep, double dropout, double scale,
                               double cap) {
        return one("sdpa_softcap", q, pt(q), pt(k), pt(v), pt(mask), nRep, dropout, scale, cap);
    }

    // ---- phi3 ------------------------------------------------------------------------------------------------

    /**
     * Splits a fused {@code qkv_proj} output {@code [b, s, qSize + 2·kvSize]} along the last axis into
     * {@code [q, k, v]} in that order (docs/models.md §10); views, so gradients flow back into the fused output.
     */
    public NDArray[] splitQkv(NDArray qkv, int qSize, int kvSize) {
        return call("split_qkv", true, (PtNDManager) qkv.getManager(), pt(qkv), qSize, kvSize);
    }

    /** A fused {@code gate_up_proj} output {@code [.., 2·inter]}: {@code up · silu(gate)}, gate the first half. */
    public NDArray gateUpSilu(NDArray gateUp, int intermediate) {
        return one("gate_up_silu", gateUp, pt(gateUp), intermediate);
    }

    /** {@link #ropeTables} with both tables multiplied by {@code factor} (longrope's attention factor). */
    public NDArray[] ropeTablesScaled(NDArray positions, NDArray invFreq, double factor) {
        return call("rope_tables_scaled", true, (PtNDManager) positions.getManager(), pt(positions), pt(invFreq),
                factor);
    }

    /**
     * {@link #rope} on the first {@code rotaryDim} features of each head only ({@code partial_rotary_factor}); the
     * rest pass through unchanged. The tables are {@code [b, s, rotaryDim]}.
     */
    public NDArray ropePartial(NDArray x, NDArray cos, NDArray sin, int heads, int headDim, int rotaryDim) {
        return one("rope_partial", x, pt(x), pt(cos), pt(sin), heads, headDim, rotaryDim);
    }
}
