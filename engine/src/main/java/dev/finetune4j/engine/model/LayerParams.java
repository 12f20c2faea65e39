package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import dev.finetune4j.engine.model.arch.ParamRole;
import dev.finetune4j.engine.model.arch.ParameterEntry;
import dev.finetune4j.engine.model.arch.Part;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The modules of one decoder layer made from its registry entries: a {@link Slot} per norm and a {@link Projection}
 * per Linear (one per expert for expert parts), each entry bound in the model's name → {@link Bound} map. Blocks
 * take their parameters from here by {@link Part}.
 */
final class LayerParams {

    final int layer;
    private final Map<Part, Slot> norms = new EnumMap<>(Part.class);
    private final Map<Part, List<Projection>> linears = new EnumMap<>(Part.class);

    LayerParams(int layer, List<ParameterEntry> entries, NDArray emptyBias, Map<String, Bound> bound) {
        this.layer = layer;
        Set<String> biased = new HashSet<>();
        for (ParameterEntry e : entries) {
            if (e.bias()) {
                biased.add(e.module());
            }
        }
        Map<String, Projection> byModule = new java.util.HashMap<>();
        for (ParameterEntry e : entries) {
            if (e.role() == ParamRole.NORM) {
                Slot s = new Slot();
                norms.put(e.part(), s);
                bound.put(e.hfName(), new Bound(e, s, null));
            } else if (e.bias()) {
                bound.put(e.hfName(), new Bound(e, null, byModule.get(e.module())));
            } else {
                Projection p = new Projection(e, biased.contains(e.module()), emptyBias);
                byModule.put(e.module(), p);
                linears.computeIfAbsent(e.part(), k -> new ArrayList<>()).add(p);
                bound.put(e.hfName(), new Bound(e, null, p));
            }
        }
    }

    /** Whether the layer has {@code part}. */
    boolean has(Part part) {
        return norms.containsKey(part) || linears.containsKey(part);
    }

    /** The norm at {@code part}, or null when the family has none there. */
    Norm norm(Part part, ModelConfig c) {
        Slot s = norms.get(part);
        return s == null ? null : new Norm(s, c.spec().norm(), c.rmsNormEps());
    }

    /** The Linear at {@code part}. */
    Projection linear(Part part) {
        return linear(part, 0);
    }

    /** Expert {@code expert}'s Linear at {@code part} (0 for a part that is not per expert). */
    Projection linear(Part part, int expert) {
        List<Projection> l = linears.get(part);
        if (l == null) {
            throw new IllegalStateException("layer " + layer + " has no " + part);
        }
        return l.get(expert);
    }

    /** All Linears of {@code part} (one per expert). */
    List<Projection> linears(Part part) {
        return List.copyOf(linears.getOrDefault(part, List.of()));
    }
}
