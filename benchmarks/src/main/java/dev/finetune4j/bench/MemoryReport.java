package dev.finetune4j.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.model.BackwardOptions;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.DropoutOptions;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.engine.model.Precision;
import dev.finetune4j.engine.model.TrainableParameter;
import dev.finetune4j.engine.optim.DecoupledLionW;
import dev.finetune4j.engine.optim.GradientClipping;
import dev.finetune4j.engine.optim.Optimizer;
import dev.finetune4j.engine.optim.ParameterGroups;
import dev.finetune4j.engine.plan.MemoryPlan;
import dev.finetune4j.engine.plan.MemoryPlanner;
import dev.finetune4j.engine.plan.PlanInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * One training configuration in its own JVM: a random Llama-shaped model trained a few steps with DecoupledLionW the
 * way the Trainer does it; prints one JSON line with the peak RSS (VmHWM), the RSS before the model existed, the
 * median step time, bytes per parameter and the {@code plan} estimate for the same settings. Driven by
 * {@code benchmarks/memory.sh}, which compares configurations as ratios within one run.
 *
 * <pre>java -cp benchmarks.jar dev.finetune4j.bench.MemoryReport NAME HIDDEN LAYERS INTER HEADS KV VOCAB CONTEXT
 *     MICRO CHECKPOINTING BF16_MASTERS IN_BACKWARD STEPS [MODEL_TYPE [ATTN_SOFTCAP]]</pre>
 * MODEL_TYPE defaults to {@code llama}; {@code gemma2} takes ATTN_SOFTCAP ({@code attn_logit_softcapping}, a number or
 * {@code none}; default 50), with {@code query_pre_attn_scalar} = head_dim.
 * CHECKPOINTING {@code alternate} times steps with and without activation checkpointing in turns in one JVM (a busy
 * machine then slows both alike) and reports the median of each and their ratio; its peak RSS means nothing.
 */
@SuppressWarnings("try")
public final class MemoryReport {

    private MemoryReport() {
    }

    public static void main(String[] a) throws IOException {
        String name = a[0];
        int hidden = Integer.parseInt(a[1]);
        int layers = Integer.parseInt(a[2]);
        int inter = Integer.parseInt(a[3]);
        int heads = Integer.parseInt(a[4]);
        int kv = Integer.parseInt(a[5]);
        int vocab = Integer.parseInt(a[6]);
        int context = Integer.parseInt(a[7]);
        int micro = Integer.parseInt(a[8]);
        boolean alternate = a[9].equals("alternate");
        boolean checkpointing = Boolean.parseBoolean(a[9]);
        boolean bf16Masters = Boolean.parseBoolean(a[10]);
        boolean inBackward = Boolean.parseBoolean(a[11]);
        int steps = Integer.parseInt(a[12]);
        String modelType = a.length > 13 ? a[13] : "llama";
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = json.createObjectNode();
        c.put("model_type", modelType);
        if (modelType.equals("gemma2")) {
            // ---- gemma2: soft-capped attention materialises its scores (docs/models.md §9) ----
            c.put("head_dim", hidden / heads);
            c.put("query_pre_attn_scalar", hidden / heads);
            c.put("tie_word_embeddings", false);
            String cap = a.length > 14 ? a[14] : "50";
            if (cap.equals("none")) {
                c.putNull("attn_logit_softcapping");
            } else {
                c.put("attn_logit_softcapping", Double.parseDouble(cap));
            }
        }
        c.put("vocab_size", vocab);
        c.put("hidden_size", hidden);
        c.put("intermediate_size", inter);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kv);
        c.put("max_position_embeddings", context);
        c.put("rms_norm_eps", 1e-5);
        c.put("initializer_range", 0.02);
        ModelConfig config = ModelConfig.fromJson(c);
        Engine.getEngine("PyTorch");
        KernelLibrary.on(Device.cpu());
        long baseline = rss("VmRSS");
        ModelOptions options = new ModelOptions(Device.cpu(), Precision.FP32, DropoutOptions.NONE, null, false, 1,
                bf16Masters);
        Random rnd = new Random(1);
        int[] ids = new int[micro * context];
        int[] pos = new int[ids.length];
        int[][] cu = new int[micro][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 3 + rnd.nextInt(vocab - 3);
            pos[i] = i % context;
        }
        for (int r = 0; r < micro; r++) {
            cu[r] = new int[] {0, context};
        }
        Batch batch = new Batch(micro, context, ids, ids.clone(), pos, cu, ids.length, (long) micro * (context - 1));
        double[] times = new double[steps];
        long params;
        double lastLoss = 0;
        try (CausalLm model = CausalLm.random(config, options)) {
            params = model.parameterCount();
            List<TrainableParameter> trainable = model.trainableParameters();
            try (Optimizer opt = new DecoupledLionW(ParameterGroups.single(trainable, 1e-5, 0.0), 0.9, 0.99)) {
                for (int s = 0; s < steps; s++) {
                    long t0 = System.nanoTime();
                    double scale = 1.0 / batch.lossTokens();
                    try (NDScope scope = new NDScope()) {
                        BackwardOptions bo = new BackwardOptions(alternate ? s % 2 == 1 : checkpointing, s);
                        if (inBackward) {
                            lastLoss = model.forwardBackward(batch, scale, bo, (ps, gs) -> {
                                opt.step(ps, gs);
                                gs.forEach(NDArray::close);
                            });
                        } else {
                            lastLoss = model.forwardBackward(batch, scale, bo, null);
                        }
                    }
                    if (!inBackward) {
                        GradientClipping.clipGlobalNorm(trainable, 1.0);
                        opt.step();
                        opt.zeroGrad();
                    }
                    times[s] = (System.nanoTime() - t0) / 1e9;
                }
            }
        }
        long peak = rss("VmHWM");
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        MemoryPlan plan = MemoryPlanner.estimate(new PlanInput(config, micro, context, false, bf16Masters, null,
                false, false, checkpointing, inBackward, false));
        ObjectNode out = json.createObjectNode();
        out.put("name", name);
        if (alternate) {
            // step 0 (plain) warms up; then plain at even, checkpointed at odd steps
            double[] plain = java.util.stream.IntStream.range(2, steps).filter(i -> i % 2 == 0)
                    .mapToDouble(i -> times[i]).sorted().toArray();
            double[] ckpt = java.util.stream.IntStream.range(1, steps).filter(i -> i % 2 == 1)
                    .mapToDouble(i -> times[i]).sorted().toArray();
            out.put("median_plain_step_s", plain[plain.length / 2]);
            out.put("median_checkpointed_step_s", ckpt[ckpt.length / 2]);
            out.put("checkpointed_over_plain", ckpt[ckpt.length / 2] / plain[plain.length / 2]);
        }
        out.put("parameters", params);
        out.put("tokens_per_step", micro * context);
        out.put("peak_rss_mib", peak >> 20);
        out.put("baseline_rss_mib", baseline >> 20);
        out.put("bytes_per_parameter", (double) (peak - baseline) / params);
        out.put("plan_total_mib", plan.total() >> 20);
        out.put("plan_activations_mib", plan.activations() >> 20);
        out.put("plan_over_measured", (double) plan.total() / peak);
        out.put("median_step_s", sorted[sorted.length / 2]);
        out.put("step_times_s", json.valueToTree(times));
        out.put("loss_per_token", lastLoss / batch.lossTokens());
        System.out.println(out);
    }

    /** A size field of /proc/self/status in bytes (VmRSS now, VmHWM peak). */
    private static long rss(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException(field + " not in /proc/self/status");
    }
}
