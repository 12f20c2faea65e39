package dev.finetune4j.engine.model;

import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares a state dict (custom weights, a checkpoint to export) with what a model of this config.json holds, before
 * anything is loaded or written: tensors the model lacks, tensors the dict lacks, wrong shapes and non-float dtypes.
 * A dict with base weights must hold all of them; an adapter-only dict (from a LoRA run) must hold every adapter of
 * the model and may omit the base weights, which then come from the model folder. {@code lm_head.weight} of a
 * tied-embedding model and {@code rotary_emb.inv_freq} buffers are ignored, as when loading.
 *
 * @param missing    names the model needs that the dict lacks (these stay at their initial values in a partial load)
 * @param unexpected names in the dict the model does not have
 * @param wrongShape "name: shape [..], expected [..]"
 * @param wrongDtype "name: dtype int64, expected a floating-point type"
 */
public record StateDictCheck(List<String> missing, List<String> unexpected, List<String> wrongShape,
                             List<String> wrongDtype) {
    private static final String PEFT_PREFIX = "base_model.model.";
    private static final Set<DType> FLOATS = Set.of(DType.FLOAT16, DType.BFLOAT16, DType.FLOAT32, DType.FLOAT64);

    /** Checks {@code tensors} against {@code model} (its config, and its LoRA adapters if any). */
    public static StateDictCheck of(CausalLm model, Map<String, StoredTensor> tensors) {
        Map<String, long[]> base = new LinkedHashMap<>();
        for (String n : model.parameterNames(false)) {
            base.put(n, model.expectedShape(n));
        }
        Map<String, long[]> adapters = new LinkedHashMap<>();
        if (model.lora() != null) {
            for (TrainableParameter p : model.trainableParameters()) {
                if (p.name().contains(".lora_A.") || p.name().contains(".lora_B.")) {
                    adapters.put(p.name(), p.array().getShape().getShape());
                }
            }
        }
        boolean tied = model.config().tieWordEmbeddings();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        List<String> wrongDtype = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        boolean anyBase = false;
        for (Map.Entry<String, StoredTensor> e : tensors.entrySet()) {
            String name = normalize(e.getKey());
            long[] want = base.containsKey(name) ? base.get(name) : adapters.get(name);
            if (want == null) {
                if (!(name.equals("lm_head.weight") && tied) && !name.endsWith("rotary_emb.inv_freq")) {
                    unexpected.add(e.getKey());
                }
                continue;
            }
            anyBase |= base.containsKey(name);
            seen.add(name);
            StoredTensor t = e.getValue();
            if (!FLOATS.contains(t.dtype())) {
                wrongDtype.add(e.getKey() + ": dtype " + t.dtype().name().toLowerCase(java.util.Locale.ROOT)
                        + ", expected a floating-point type");
            } else if (!Arrays.equals(want, t.shape())) {
                wrongShape.add(e.getKey() + ": shape " + Arrays.toString(t.shape()) + ", expected "
                        + Arrays.toString(want));
            }
        }
        if (anyBase || adapters.isEmpty()) {
            base.keySet().stream().filter(n -> !seen.contains(n)).forEach(missing::add);
        }
        adapters.keySet().stream().filter(n -> !seen.contains(n)).forEach(missing::add);
        return new StateDictCheck(missing, unexpected, wrongShape, wrongDtype);
    }

    /**
     * Checks a full (non-LoRA) state dict against a model of {@code config} without allocating its weights (for
     * exports).
     */
    public static StateDictCheck of(LlamaConfig config, Map<String, StoredTensor> tensors) {
        try (CausalLm shell = CausalLm.shell(config)) {
            return of(shell, tensors);
        }
    }

    /**
     * Checks a LoRA adapter state dict ({@code …<module>.lora_A/B[.default].weight}) against a model of
     * {@code config} with rank {@code r}: each adapter's module must exist, {@code lora_A} be {@code [r, in]} and
     * {@code lora_B} {@code [out, r]}, every adapter come as an A/B pair, and every dtype be floating point.
     */
    public static StateDictCheck ofAdapter(LlamaConfig config, Map<String, StoredTensor> tensors, int r) {
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        List<String> wrongDtype = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        try (CausalLm shell = CausalLm.shell(config)) {
            Set<String> base = new LinkedHashSet<>(shell.parameterNames(false));
            for (Map.Entry<String, StoredTensor> e : tensors.entrySet()) {
                String name = normalize(e.getKey());
                names.add(name);
                boolean a = name.contains(".lora_A.");
                if (!a && !name.contains(".lora_B.")) {
                    unexpected.add(e.getKey());
                    continue;
                }
                String module = name.substring(0, name.indexOf(".lora_"));
                if (!base.contains(module + ".weight") || module.endsWith("embed_tokens")) {
                    unexpected.add(e.getKey());
                    continue;
                }
                long[] w = shell.expectedShape(module + ".weight");
                long[] want = a ? new long[] {r, w[1]} : new long[] {w[0], r};
                StoredTensor t = e.getValue();
                if (!FLOATS.contains(t.dtype())) {
                    wrongDtype.add(e.getKey() + ": dtype " + t.dtype().name().toLowerCase(java.util.Locale.ROOT)
                            + ", expected a floating-point type");
                } else if (!Arrays.equals(want, t.shape())) {
                    wrongShape.add(e.getKey() + ": shape " + Arrays.toString(t.shape()) + ", expected "
                            + Arrays.toString(want));
                }
            }
        }
        for (String n : names) {
            String pair = n.contains(".lora_A.") ? n.replace(".lora_A.", ".lora_B.") : n.replace(".lora_B.", ".lora_A.");
            if ((n.contains(".lora_A.") || n.contains(".lora_B.")) && !names.contains(pair)) {
                missing.add(pair);
            }
        }
        return new StateDictCheck(missing, unexpected, wrongShape, wrongDtype);
    }

    private static String normalize(String key) {
        String n = key.startsWith(PEFT_PREFIX) ? key.substring(PEFT_PREFIX.length()) : key;
        return n.replace(".lora_A.default.", ".lora_A.").replace(".lora_B.default.", ".lora_B.");
    }

    /** True when every tensor matched. */
    public boolean ok() {
        return missing.isEmpty() && unexpected.isEmpty() && wrongShape.isEmpty() && wrongDtype.isEmpty();
    }

    /** The tensors of {@code tensors} that can be loaded (known name, float dtype, right shape). */
    public LinkedHashMap<String, StoredTensor> loadable(Map<String, StoredTensor> tensors) {
        Set<String> bad = new LinkedHashSet<>(unexpected);
        wrongShape.forEach(s -> bad.add(s.substring(0, s.indexOf(": "))));
        wrongDtype.forEach(s -> bad.add(s.substring(0, s.indexOf(": "))));
        LinkedHashMap<String, StoredTensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (!bad.contains(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Every problem, one per line, each list capped at 20 names. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        section(sb, "missing", missing);
        section(sb, "unexpected", unexpected);
        section(sb, "wrong shape", wrongShape);
        section(sb, "wrong dtype", wrongDtype);
        return sb.toString();
    }

    private static void section(StringBuilder sb, String what, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        sb.append("\n  ").append(what).append(" (").append(items.size()).append("): ");
        sb.append(String.join(", ", items.subList(0, Math.min(20, items.size()))));
        if (items.size() > 20) {
            sb.append(", …");
        }
    }
}
