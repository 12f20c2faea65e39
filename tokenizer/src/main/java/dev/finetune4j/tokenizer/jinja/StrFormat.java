package dev.finetune4j.tokenizer.jinja;

import java.util.List;
import java.util.Map;

/** Python's {@code str.format} for plain replacement fields: {@code {}}, {@code {0}}, {@code {name}}, {@code {{}}}. */
final class StrFormat {
    private StrFormat() {
    }

    static String format(String fmt, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder out = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c == '{') {
                if (i + 1 < fmt.length() && fmt.charAt(i + 1) == '{') {
                    out.append('{');
                    i++;
                    continue;
                }
                int close = fmt.indexOf('}', i);
                if (close < 0) {
                    throw new TemplateRuntimeException("ValueError: Single '{' encountered in format string");
                }
                String field = fmt.substring(i + 1, close);
                String spec = null;
                int colon = field.indexOf(':');
                if (colon >= 0) {
                    spec = field.substring(colon + 1);
                    field = field.substring(0, colon);
                }
                Object value;
                if (field.isEmpty()) {
                    value = positional(args, auto++);
                } else if (field.chars().allMatch(Character::isDigit)) {
                    value = positional(args, Integer.parseInt(field));
                } else if (kwargs.containsKey(field)) {
                    value = kwargs.get(field);
                } else {
                    throw new TemplateRuntimeException("KeyError: '" + field + "'");
                }
                if (spec != null && !spec.isEmpty()) {
                    throw new TemplateRuntimeException("ValueError: format specs ('" + spec
                            + "') are not supported in str.format here");
                }
                out.append(Py.str(value));
                i = close;
            } else if (c == '}') {
                if (i + 1 < fmt.length() && fmt.charAt(i + 1) == '}') {
                    i++;
                }
                out.append('}');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static Object positional(List<Object> args, int i) {
        if (i >= args.size()) {
            throw new TemplateRuntimeException("IndexError: Replacement index " + i + " out of range for positional "
                    + "args tuple");
        }
        return args.get(i);
    }
}
