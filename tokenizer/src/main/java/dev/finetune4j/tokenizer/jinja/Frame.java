package dev.finetune4j.tokenizer.jinja;

import java.util.HashMap;
import java.util.Map;

/**
 * A variable scope. The template body, each loop iteration, each macro call and each {@code with} block get one;
 * assignments land in the innermost frame (so {@code set} inside a loop does not leak out — Jinja's scoping rule).
 */
final class Frame {
    final Frame parent;
    final RenderState state;
    private final Map<String, Object> vars = new HashMap<>();

    Frame(Frame parent, RenderState state) {
        this.parent = parent;
        this.state = state;
    }

    Frame child() {
        return new Frame(this, state);
    }

    Object lookup(String name) {
        for (Frame f = this; f != null; f = f.parent) {
            if (f.vars.containsKey(name)) {
                return f.vars.get(name);
            }
        }
        if (state.globals.containsKey(name)) {
            return state.globals.get(name);
        }
        return Undefined.variable(name);
    }

    void set(String name, Object value) {
        vars.put(name, value);
    }
}
