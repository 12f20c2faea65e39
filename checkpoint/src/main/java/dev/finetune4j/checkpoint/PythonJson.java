package dev.finetune4j.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Serialises JSON exactly as Python's {@code json.dumps(obj, indent=2, sort_keys=...)} does (ASCII-escaped, float
 * repr like {@code 1e-05} and {@code 10000.0}), which is how transformers writes {@code config.json} and PEFT writes
 * {@code adapter_config.json}, so files written here diff cleanly against the Python ones.
 */
public final class PythonJson {
    private PythonJson() {
    }

    /** {@code json.dumps(node, indent=2, sort_keys=sortKeys)}. */
    public static String dumps(JsonNode node, boolean sortKeys) {
        StringBuilder b = new StringBuilder();
        write(b, node, 0, sortKeys);
        return b.toString();
    }

    private static void write(StringBuilder b, JsonNode n, int level, boolean sort) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            b.append("null");
        } else if (n.isObject()) {
            if (n.isEmpty()) {
                b.append("{}");
                return;
            }
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                fields.add(it.next());
            }
            if (sort) {
                fields.sort(Map.Entry.comparingByKey());
            }
            b.append("{\n");
            for (int i = 0; i < fields.size(); i++) {
                indent(b, level + 1);
                string(b, fields.get(i).getKey());
                b.append(": ");
                write(b, fields.get(i).getValue(), level + 1, sort);
                b.append(i + 1 < fields.size() ? ",\n" : "\n");
            }
            indent(b, level);
            b.append('}');
        } else if (n.isArray()) {
            if (n.isEmpty()) {
                b.append("[]");
                return;
            }
            b.append("[\n");
            for (int i = 0; i < n.size(); i++) {
                indent(b, level + 1);
                write(b, n.get(i), level + 1, sort);
                b.append(i + 1 < n.size() ? ",\n" : "\n");
            }
            indent(b, level);
            b.append(']');
        } else if (n.isTextual()) {
            string(b, n.asText());
        } else if (n.isBoolean()) {
            b.append(n.asBoolean() ? "true" : "false");
        } else if (n.isIntegralNumber()) {
            b.append(n.bigIntegerValue().toString());
        } else if (n.isNumber()) {
            b.append(floatRepr(n.doubleValue()));
        } else {
            string(b, n.asText());
        }
    }

    /** Python's {@code repr(float)} as json.dumps writes it (NaN/Infinity spelled as Python does). */
    public static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = bd.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - bd.scale(); // decimal exponent of the first digit
        String sign = d < 0 ? "-" : "";
        if (exp >= -4 && exp < 16) {
            String plain = bd.abs().toPlainString();
            if (!plain.contains(".")) {
                plain += ".0";
            }
            return sign + plain;
        }
        String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String e = Integer.toString(Math.abs(exp));
        return sign + mant + "e" + (exp < 0 ? "-" : "+") + (e.length() < 2 ? "0" + e : e);
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                case '\b': b.append("\\b"); break;
                case '\f': b.append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7e) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        b.append('"');
    }

    private static void indent(StringBuilder b, int level) {
        for (int i = 0; i < level; i++) {
            b.append("  ");
        }
    }
}
