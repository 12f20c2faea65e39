package dev.finetune4j.tokenizer.jinja;

import java.util.Iterator;

/**
 * A Python generator (what {@code map}, {@code select}, {@code reverse}, {@code items}… return): iterable once, no
 * length, not subscriptable.
 */
final class PyGenerator implements Iterable<Object> {
    private final Iterator<Object> iterator;

    PyGenerator(Iterator<Object> iterator) {
        this.iterator = iterator;
    }

    @Override
    public Iterator<Object> iterator() {
        return iterator;
    }
}
