package dev.finetune4j.engine.model;

import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.engine.model.arch.ParameterEntry;
import dev.finetune4j.engine.model.arch.ParameterRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    private static final Set<DType> FLOATS = Set.of(DType.FLOAT16, DType.BFLOAT16, DType.FLOAT32, DType.FLOAT64);

    /** Checks {@code tensors} against {@code model} (its registry, and its LoRA adapters if any). */
    public static StateDictCheck of(CausalLm model, Map<String, StoredTensor> tensors) {
        ParameterRegistry registry = model.registry();
        Map<String, long[]> adapters = new LinkedHashMap<>();
        if (model.lora() != null) {
            int r = model.lora().r();
            for (ParameterEntry e : registry.loraTargets(model.lora().targetModules())) {
                for (String which : List.of(ParameterRegistry.LORA_A, ParameterRegistry.LORA_B)) {
                    ParameterRegistry.LoraMatrix mx = registry.loraMatrix(ParameterRegistry.adapterName(e, which))
                            .orElseThrow();
                    adapters.put(mx.name(), mx.shape(r));
                }
            }
        }
        return of(registry, adapters, tensors);
    }

    private static StateDictCheck of(ParameterRegistry registry, Map<String, long[]> adapters,
                                     Map<String, StoredTensor> tensors) {
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        List<String> wrongDtype = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        boolean anyBase = false;
        for (Map.Entry<String, StoredTensor> e : tensors.entrySet()) {
            String name = ParameterRegistry.canonicalAdapterName(e.getKey());
            Optional<ParameterEntry> baseEntry = registry.find(name);
            long[] want = baseEntry.map(ParameterEntry::shape).orElse(adapters.get(name));
            if (want == null) {
                if (!registry.ignored(name)) {
                    unexpected.add(e.getKey());
                }
                continue;
            }
            anyBase |= baseEntry.isPresent();
            seen.add(name);
            check(e.getKey(), e.getValue(), want, wrongShape, wrongDtype);
        }
        if (anyBase || adapters.isEmpty()) {
            registry.entries().stream().map(ParameterEntry::hfName).filter(n -> !seen.contains(n))
                    .forEach(missing::add);
        }
        adapters.keySet().stream().filter(n -> !seen.contains(n)).forEach(missing::add);
        return new StateDictCheck(missing, unexpected, wrongShape, wrongDtype);
    }

    private static void check(String key, StoredTensor t, long[] want, List<String> wrongShape,
                              List<String> wrongDtype) {
        if (!FLOATS.contains(t.dtype())) {
            wrongDtype.add(key + ": dtype " + t.dtype().name().toLowerCase(java.util.Locale.ROOT)
                    + ", expected a floating-point type");
        } else if (!Arrays.equals(want, t.shape())) {
            wrongShape.add(key + ": shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(want));
        }
    }

    /**
     * Checks a full (non-LoRA) state dict against a model of {@code config} without allocating anything (for
     * exports).
     */
    public static StateDictCheck of(ModelConfig config, Map<String, StoredTensor> tensors) {
        return of(ParameterRegistry.of(config), Map.of(), tensors);
    }

    /**
     * Checks a LoRA adapter state dict ({@code …<module>.lora_A/B[.default].weight}) against a model of
     * {@code config} with rank {@code r}: each adapter's module must be one LoRA can adapt, {@code lora_A} be
     * {@code [r, in]} and {@code lora_B} {@code [out, r]}, every adapter come as an A/B pair, and every dtype be
     * floating point.
     */
    public static StateDictCheck ofAdapter(ModelConfig config, Map<String, StoredTensor> tensors, int r) {
        ParameterRegistry registry = ParameterRegistry.of(config);
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        List<String> wrongDtype = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        List<ParameterRegistry.LoraMatrix> matrices = new ArrayList<>();
        for (Map.Entry<String, StoredTensor> e : tensors.entrySet()) {
            String name = ParameterRegistry.canonicalAdapterName(e.getKey());
            names.add(name);
            Optional<ParameterRegistry.LoraMatrix> mx = registry.loraMatrix(name);
            if (mx.isEmpty()) {
                unexpected.add(e.getKey());
                continue;
            }
            matrices.add(mx.get());
            check(e.getKey(), e.getValue(), mx.get().shape(r), wrongShape, wrongDtype);
        }
        for (ParameterRegistry.LoraMatrix mx : matrices) {
            String pair = ParameterRegistry.adapterName(mx.target(),
                    mx.a() ? ParameterRegistry.LORA_B : ParameterRegistry.LORA_A);
            if (!names.contains(pair) && !missing.contains(pair)) {
                missing.add(pair);
            }
        }
        return new StateDictCheck(missing, unexpected, wrongShape, wrongDtype);
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
