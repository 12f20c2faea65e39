package dev.finetune4j.tokenizer.jinja;

import java.util.List;

/** A Python tuple: an immutable sequence that prints with parentheses. */
record PyTuple(List<Object> items) {
    PyTuple {
        items = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(items));
    }

    static PyTuple of(Object... items) {
        return new PyTuple(java.util.Arrays.asList(items));
    }
}
