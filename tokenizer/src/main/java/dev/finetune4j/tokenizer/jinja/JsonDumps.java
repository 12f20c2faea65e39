package dev.finetune4j.tokenizer.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps} as transformers' {@code tojson} filter calls it: {@code ensure_ascii} (default false
 * there), {@code indent} (int or string), {@code separators} (default {@code ", "}/{@code ": "}, or {@code ","} when
 * indenting) and {@code sort_keys}. The output's length is counted while writing (a small structure of shared
 * sub-lists can expand enormously) against the render's budget, one step per value; a container inside itself is
 * Python's {@code ValueError: Circular reference detected}.
 */
final class JsonDumps {
    private final boolean ensureAscii;
    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;

    JsonDumps(boolean ensureAscii, String indent, String itemSeparator, String keySeparator, boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        this.indent = indent;
        this.itemSeparator = itemSeparator != null ? itemSeparator : indent != null ? "," : ", ";
        this.keySeparator = keySeparator != null ? keySeparator : ": ";
        this.sortKeys = sortKeys;
    }

    private final RenderBudget budget = RenderBudget.current();
    private final java.util.Set<Object> open = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    String dumps(Object value) {
        StringBuilder b = new StringBuilder();
        write(value, b, 0);
        return b.toString();
    }

    private void newline(StringBuilder b, int level) {
        if (indent != null) {
            budget.chars(b.length() + 1 + RenderBudget.times(indent.length(), level), "tojson's output");
            b.append('\n').append(indent.repeat(level));
        }
    }

    private void write(Object v, StringBuilder b, int level) {
        budget.step();
        budget.chars(b.length(), "tojson's output");
        if (v instanceof List<?> || v instanceof PyTuple || v instanceof Map<?, ?>) {
            if (!open.add(v)) {
                throw new TemplateRuntimeException("ValueError: Circular reference detected");
            }
            budget.enter();
            try {
                writeValue(v, b, level);
            } finally {
                budget.leave();
                open.remove(v);
            }
        } else {
            writeValue(v, b, level);
        }
    }

    private void writeValue(Object v, StringBuilder b, int level) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof Boolean bool) {
            b.append(bool ? "true" : "false");
        } else if (v instanceof Long l) {
            b.append(l);
        } else if (v instanceof Double d) {
            b.append(floatJson(d));
        } else if (v instanceof String s) {
            string(s, b);
        } else if (v instanceof List<?> || v instanceof PyTuple) {
            List<Object> items = Py.items(v);
            if (items.isEmpty()) {
                b.append("[]");
                return;
            }
            b.append('[');
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) {
                    b.append(itemSeparator);
                }
                newline(b, level + 1);
                write(items.get(i), b, level + 1);
            }
            newline(b, level);
            b.append(']');
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                b.append("{}");
                return;
            }
            List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
            if (sortKeys) {
                entries.sort((x, y) -> Py.sortCompare(x.getKey(), y.getKey()));
            }
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : entries) {
                if (!first) {
                    b.append(itemSeparator);
                }
                first = false;
                newline(b, level + 1);
                string(key(e.getKey()), b);
                b.append(keySeparator);
                write(e.getValue(), b, level + 1);
            }
            newline(b, level);
            b.append('}');
        } else {
            throw new TemplateRuntimeException("TypeError: Object of type " + Py.typeName(v)
                    + " is not JSON serializable");
        }
    }

    private static String key(Object k) {
        if (k instanceof String s) {
            return s;
        }
        if (k == null) {
            return "null";
        }
        if (k instanceof Boolean b) {
            return b ? "true" : "false";
        }
        if (k instanceof Long l) {
            return l.toString();
        }
        if (k instanceof Double d) {
            return floatJson(d);
        }
        throw new TemplateRuntimeException("TypeError: keys must be str, int, float, bool or None, not "
                + Py.typeName(k));
    }

    private static String floatJson(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return Py.floatRepr(d);
    }

    private void string(String s, StringBuilder b) {
        budget.chars(b.length() + 2L + s.length(), "tojson's output");
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
