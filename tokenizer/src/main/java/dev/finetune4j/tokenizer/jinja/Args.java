package dev.finetune4j.tokenizer.jinja;

import java.util.List;
import java.util.Map;

/**
 * Binds a call's positional and keyword arguments to a Python-style signature ({@code names}); unknown keywords and
 * surplus positionals are TypeErrors naming the function.
 */
final class Args {
    private final String function;
    private final Object[] values;
    private final boolean[] given;

    Args(String function, List<Object> positional, Map<String, Object> keyword, String... names) {
        this.function = function;
        this.values = new Object[names.length];
        this.given = new boolean[names.length];
        if (positional.size() > names.length) {
            throw new TemplateRuntimeException("TypeError: " + function + "() takes at most " + names.length
                    + " argument(s) (" + positional.size() + " given)");
        }
        for (int i = 0; i < positional.size(); i++) {
            values[i] = positional.get(i);
            given[i] = true;
        }
        for (Map.Entry<String, Object> e : keyword.entrySet()) {
            int idx = -1;
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(e.getKey())) {
                    idx = i;
                }
            }
            if (idx < 0) {
                throw new TemplateRuntimeException("TypeError: " + function + "() got an unexpected keyword argument '"
                        + e.getKey() + "'");
            }
            if (given[idx]) {
                throw new TemplateRuntimeException("TypeError: " + function + "() got multiple values for argument '"
                        + e.getKey() + "'");
            }
            values[idx] = e.getValue();
            given[idx] = true;
        }
    }

    boolean has(int i) {
        return given[i];
    }

    Object get(int i, Object fallback) {
        return given[i] ? values[i] : fallback;
    }

    Object required(int i, String name) {
        if (!given[i]) {
            throw new TemplateRuntimeException("TypeError: " + function + "() missing required argument '" + name
                    + "'");
        }
        return values[i];
    }

    boolean bool(int i, boolean fallback) {
        return given[i] ? Py.truthy(values[i]) : fallback;
    }

    long integer(int i, long fallback) {
        if (!given[i]) {
            return fallback;
        }
        if (!Py.isInt(values[i])) {
            throw new TemplateRuntimeException("TypeError: " + function + "(): expected an integer, got "
                    + Py.typeName(values[i]));
        }
        return Py.toLong(values[i]);
    }

    String string(int i, String fallback) {
        if (!given[i]) {
            return fallback;
        }
        if (values[i] == null) {
            return fallback;
        }
        if (!(values[i] instanceof String s)) {
            throw new TemplateRuntimeException("TypeError: " + function + "(): expected a string, got "
                    + Py.typeName(values[i]));
        }
        return s;
    }

    /** Fails when keyword arguments were passed to a builtin that takes none (str.replace etc.). */
    static void noKeywords(String function, Map<String, Object> keyword) {
        if (!keyword.isEmpty()) {
            throw new TemplateRuntimeException("TypeError: " + function + "() takes no keyword arguments");
        }
    }
}
