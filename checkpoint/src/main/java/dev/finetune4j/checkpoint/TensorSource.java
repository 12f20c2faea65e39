package dev.finetune4j.checkpoint;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Named tensors read one at a time: the common view of every weight container this module reads — a safetensors
 * file or sharded checkpoint, a torch {@code .bin}, a Hugging Face model folder, a PEFT adapter, a Composer
 * checkpoint's model weights — and of a state dict in memory. Tensors may be slices of a memory mapping: read each
 * once and let it go, so no second full copy of a model is held.
 */
public interface TensorSource extends AutoCloseable {

    /** The tensor names, in file order. */
    List<String> names();

    /** Whether a tensor called {@code name} exists. */
    default boolean contains(String name) {
        return names().contains(name);
    }

    /**
     * The tensor called {@code name}.
     *
     * @throws CheckpointFormatException (or IllegalArgumentException for in-memory sources) when there is none
     */
    StoredTensor tensor(String name);

    /** Releases mappings and files; in-memory sources hold none. */
    @Override
    default void close() {
    }

    /**
     * A source whose tensors are all in a map already (a torch file's dict, a PEFT adapter, a Composer checkpoint's
     * model): names, lookup and the missing-tensor error come from the map and a description of the source.
     */
    interface InMemory extends TensorSource {

        /** The tensors by name, in file order. */
        Map<String, StoredTensor> tensorMap();

        /** How errors name this source, e.g. a file path. */
        String describe();

        @Override
        default List<String> names() {
            return List.copyOf(tensorMap().keySet());
        }

        @Override
        default boolean contains(String name) {
            return tensorMap().containsKey(name);
        }

        @Override
        default StoredTensor tensor(String name) {
            StoredTensor t = tensorMap().get(name);
            if (t == null) {
                throw new CheckpointFormatException(describe() + ": no tensor named '" + name + "'");
            }
            return t;
        }
    }

    /** The tensors of a map, in its iteration order. */
    static TensorSource of(Map<String, StoredTensor> tensors) {
        Map<String, StoredTensor> copy = new LinkedHashMap<>(tensors);
        return of(List.copyOf(copy.keySet()), copy::containsKey, name -> {
            StoredTensor t = copy.get(name);
            if (t == null) {
                throw new IllegalArgumentException("no tensor named '" + name + "'");
            }
            return t;
        });
    }

    /** A source over {@code names} whose tensors come from {@code reader}. */
    static TensorSource of(List<String> names, Predicate<String> contains, Function<String, StoredTensor> reader) {
        List<String> fixed = List.copyOf(names);
        return new TensorSource() {
            @Override
            public List<String> names() {
                return fixed;
            }

            @Override
            public boolean contains(String name) {
                return contains.test(name);
            }

            @Override
            public StoredTensor tensor(String name) {
                return reader.apply(name);
            }
        };
    }
}
