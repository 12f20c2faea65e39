package dev.finetune4j.engine.model;

import dev.finetune4j.checkpoint.StoredTensor;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Where a model reads its weights from, tensor by tensor (a HF folder's mapped safetensors, or a map in memory). */
public interface WeightSource {

    /** The tensor names available. */
    Set<String> names();

    /** The tensor called {@code name} (may be memory-mapped; read once and released by the caller). */
    StoredTensor tensor(String name);

    static WeightSource of(Map<String, StoredTensor> tensors) {
        return of(tensors.keySet(), tensors::get);
    }

    static WeightSource of(Set<String> names, Function<String, StoredTensor> reader) {
        return new WeightSource() {
            @Override
            public Set<String> names() {
                return names;
            }

            @Override
            public StoredTensor tensor(String name) {
                return reader.apply(name);
            }
        };
    }
}
