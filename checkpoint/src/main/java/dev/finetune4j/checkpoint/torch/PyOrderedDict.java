package dev.finetune4j.checkpoint.torch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code collections.OrderedDict} (for example a module's state dict). It is a {@link LinkedHashMap}, so code that
 * only needs a map need not care; the writer emits it as an OrderedDict again.
 */
public final class PyOrderedDict extends LinkedHashMap<Object, Object> {
    private static final long serialVersionUID = 1L;

    public PyOrderedDict() {
    }

    public PyOrderedDict(Map<?, ?> m) {
        super(m);
    }
}
