package dev.finetune4j.app;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.engine.device.Devices;
import dev.finetune4j.engine.lora.LoraOptions;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.engine.plan.MemoryPlan;
import dev.finetune4j.engine.plan.MemoryPlanner;
import dev.finetune4j.engine.plan.PlanInput;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * The memory estimate of a run (what {@code finetune4j plan} prints and {@code train} checks first): read from the
 * run configuration and the model's config.json only, no weights (docs/training.md, "Memory").
 *
 * @param model        the model folder's config.json, parsed
 * @param input        the settings the estimate used
 * @param plan         bytes per component
 * @param device       the device the run would use (for the report)
 * @param deviceMemory bytes available: {@code --device-memory}, else the GPU's memory, else physical RAM
 * @param suggestions  when it does not fit: changes of keys and the total each would give
 */
public record RunPlan(ModelConfig model, PlanInput input, MemoryPlan plan, String device, long deviceMemory,
                      List<Suggestion> suggestions) {

    private static final long GIB = 1L << 30;

    /** A configuration change and the total it would give. */
    public record Suggestion(String keys, long total, boolean fits) {
    }

    public boolean fits() {
        return plan.total() <= deviceMemory;
    }

    /**
     * Estimates {@code config}'s run.
     *
     * @param deviceMemoryGb the memory to check against in GiB, or null for the run's device
     */
    public static RunPlan of(RunConfig config, Double deviceMemoryGb) {
        ModelConfig model;
        try (HfModelFolder folder = HfModelFolder.openConfigOnly(config.model())) {
            model = CausalLm.readConfig(folder);
        }
        int context = config.resolveContextLength(model.maxPositionEmbeddings());
        boolean cuda;
        String deviceName;
        long memory;
        if (deviceMemoryGb != null) {
            cuda = !config.device().equals("cpu") && !config.device().equals("auto");
            deviceName = config.device();
            memory = (long) (deviceMemoryGb * GIB);
        } else {
            Device d = Devices.resolve(config.device());
            cuda = d.isGpu();
            deviceName = d.toString();
            memory = cuda ? ai.djl.util.cuda.CudaUtils.getGpuMemory(d).getMax() : physicalMemory();
        }
        boolean bf16Compute = config.precision().resolve(cuda) == dev.finetune4j.engine.model.Precision.BF16;
        LoraOptions lora = config.lora() == null ? null : LoraOptions.of(config.lora().r(), config.lora().alpha(),
                config.lora().dropout(), config.lora().targetModules());
        PlanInput in = new PlanInput(model, config.microBatchSize(), context, bf16Compute,
                config.memory().bf16Masters(), lora, config.int8Quantization(),
                !config.optimizer().name().equals("decoupled_lionw"), config.memory().activationCheckpointing(),
                config.memory().optimizerInBackward(), cuda);
        MemoryPlan plan = MemoryPlanner.estimate(in);
        List<Suggestion> suggestions = new ArrayList<>();
        if (plan.total() > memory) {
            suggestions = suggestions(config, in, memory);
        }
        return new RunPlan(model, in, plan, deviceName, memory, suggestions);
    }

    private static List<Suggestion> suggestions(RunConfig c, PlanInput in, long memory) {
        List<Suggestion> out = new ArrayList<>();
        List<String> all = new ArrayList<>();
        PlanInput combined = in;
        if (!in.checkpointing()) {
            add(out, "activation_checkpointing: true", in, p -> p.withCheckpointing(true), memory);
            all.add("activation_checkpointing: true");
            combined = combined.withCheckpointing(true);
        }
        if (!in.bf16Masters()) {
            add(out, "master_weights: bf16", in, p -> p.withBf16Masters(true), memory);
            all.add("master_weights: bf16");
            combined = combined.withBf16Masters(true);
        }
        if (!in.inBackward() && in.lora() == null) {
            String keys = "optimizer_in_backward: true, gradient_clip_val: 0"
                    + (c.globalBatchSize() > c.microBatchSize() ? ", global_batch_size: " + c.microBatchSize() : "");
            add(out, keys, in, p -> p.withInBackward(true), memory);
            all.add(keys);
            combined = combined.withInBackward(true);
        }
        if (in.microBatchSize() > 1) {
            add(out, "micro_batch_size: 1", in, p -> p.withMicroBatchSize(1), memory);
        }
        if (all.size() > 1) {
            PlanInput together = combined;
            add(out, String.join(", ", all), in, p -> together, memory);
        }
        if (in.lora() == null) {
            LoraOptions r16 = MemoryPlanner.suggestedLora();
            PlanInput base = combined.withInBackward(false);
            add(out, "lora: {r: 16, target_modules: all-linear}" + (all.isEmpty() ? "" : ", "
                    + String.join(", ", all).replace("optimizer_in_backward: true, gradient_clip_val: 0", "")
                    .replaceAll(", $", "")), in, p -> base.withLora(r16, false), memory);
            add(out, "lora: {r: 16, target_modules: all-linear}, int8_quantization: true, master_weights: bf16, "
                    + "activation_checkpointing: true", in, p -> base.withBf16Masters(true).withCheckpointing(true)
                    .withLora(r16, true), memory);
        } else if (!in.int8()) {
            add(out, "int8_quantization: true", in, p -> p.withLora(p.lora(), true), memory);
        }
        return out;
    }

    private static void add(List<Suggestion> out, String keys, PlanInput in, UnaryOperator<PlanInput> change,
                            long memory) {
        long total = MemoryPlanner.estimate(change.apply(in)).total();
        out.add(new Suggestion(keys, total, total <= memory));
    }

    /** Physical memory of this machine (the container's limit when there is one). */
    static long physicalMemory() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }

    /** The human-readable report. */
    public String table() {
        StringBuilder b = new StringBuilder();
        String masters = input.bf16Masters() ? "bf16" : "fp32";
        b.append(String.format(Locale.ROOT, "memory plan: %s, %,d parameters (%,d trainable), micro_batch_size %d x "
                        + "context %d on %s%n", model.modelType(), plan.parameters(), plan.trainableParameters(),
                input.microBatchSize(), input.contextLength(), device));
        row(b, "weights (" + masters + (input.int8() ? ", int8 base below" : "") + ")", plan.weights());
        row(b, "  of which trainable", plan.trainableWeights());
        row(b, "int8 base", plan.int8Base());
        row(b, "gradients" + (input.inBackward() ? " (optimizer_in_backward: one block)" : ""), plan.gradients());
        row(b, "optimizer (" + (input.adamw() ? "adamw" : "decoupled_lionw") + " state + update)", plan.optimizer());
        row(b, "activations (checkpointing " + (input.checkpointing() ? "on" : "off") + ")", plan.activations());
        row(b, "  with activation_checkpointing", plan.activationsCheckpointed());
        row(b, "  without activation_checkpointing", plan.activationsPlain());
        row(b, "logits / loss chunk", plan.logits());
        row(b, "runtime overhead", plan.overhead());
        row(b, "total" + (input.checkpointing() ? " (recomputed layer or loss chunk, not both)" : ""), plan.total());
        row(b, "device memory", deviceMemory);
        b.append(fits() ? "fits: yes\n" : "fits: NO\n");
        if (!fits()) {
            boolean any = false;
            for (Suggestion s : suggestions) {
                if (s.fits()) {
                    if (!any) {
                        b.append("would fit with:\n");
                        any = true;
                    }
                    b.append(String.format(Locale.ROOT, "  %-90s total %8.2f GB%n", s.keys(), s.total() / (double) GIB));
                }
            }
            if (!any) {
                b.append("none of these changes alone makes it fit:\n");
                for (Suggestion s : suggestions) {
                    b.append(String.format(Locale.ROOT, "  %-90s total %8.2f GB%n", s.keys(),
                            s.total() / (double) GIB));
                }
            }
        }
        return b.toString();
    }

    private static void row(StringBuilder b, String name, long bytes) {
        b.append(String.format(Locale.ROOT, "  %-44s %18s B %10.2f GB%n", name, String.format(Locale.ROOT, "%,d",
                bytes), bytes / (double) GIB));
    }

    /**
     * One JSON object: {@code parameters, trainable_parameters, bytes {weights, gradients, optimizer, activations,
     * logits, overhead, total}, device_memory, fits}; {@code weights} includes the int8 base.
     */
    public String json() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode o = m.createObjectNode();
        o.put("parameters", plan.parameters());
        o.put("trainable_parameters", plan.trainableParameters());
        ObjectNode bytes = o.putObject("bytes");
        bytes.put("weights", plan.weights() + plan.int8Base());
        bytes.put("gradients", plan.gradients());
        bytes.put("optimizer", plan.optimizer());
        bytes.put("activations", plan.activations());
        bytes.put("logits", plan.logits());
        bytes.put("overhead", plan.overhead());
        bytes.put("total", plan.total());
        o.put("device_memory", deviceMemory);
        o.put("fits", fits());
        return o.toString();
    }
}
