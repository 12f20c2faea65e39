package dev.finetune4j.checkpoint.torch;

import java.util.Arrays;
import java.util.List;

/** A Python tuple (immutable list of Python values; elements may be null for None). */
public record PyTuple(List<Object> items) {
    public PyTuple {
        items = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(items));
    }

    /** A tuple of the given items. */
    public static PyTuple of(Object... items) {
        return new PyTuple(Arrays.asList(items));
    }

    public int size() {
        return items.size();
    }

    public Object get(int i) {
        return items.get(i);
    }
}
