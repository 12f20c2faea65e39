package dev.finetune4j.tokenizer.jinja;

import java.util.List;
import java.util.Locale;

/** Python's printf-style {@code 'fmt' % args} for the conversions templates use: s, r, d, i, f, e, g, x, %. */
final class PercentFormat {
    private PercentFormat() {
    }

    static String format(String fmt, Object args) {
        List<Object> values = args instanceof PyTuple t ? t.items() : List.of(args == null ? NONE : args);
        StringBuilder out = new StringBuilder();
        int next = 0;
        RenderBudget budget = RenderBudget.current();
        for (int i = 0; i < fmt.length(); i++) {
            budget.chars(out.length(), "a string built by a '%' format");
            char c = fmt.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            int j = i + 1;
            StringBuilder spec = new StringBuilder("%");
            while (j < fmt.length() && "-+ 0#".indexOf(fmt.charAt(j)) >= 0) {
                spec.append(fmt.charAt(j++));
            }
            int widthStart = j;
            while (j < fmt.length() && (Character.isDigit(fmt.charAt(j)) || fmt.charAt(j) == '.')) {
                spec.append(fmt.charAt(j++));
            }
            checkWidths(fmt.substring(widthStart, j));
            if (j >= fmt.length()) {
                throw new TemplateRuntimeException("ValueError: incomplete format");
            }
            char conv = fmt.charAt(j);
            i = j;
            if (conv == '%') {
                out.append('%');
                continue;
            }
            if (next >= values.size()) {
                throw new TemplateRuntimeException("TypeError: not enough arguments for format string");
            }
            Object v = values.get(next++);
            v = v == NONE ? null : v;
            switch (conv) {
                case 's' -> out.append(String.format(Locale.ROOT, spec + "s", Py.str(v)));
                case 'r' -> out.append(String.format(Locale.ROOT, spec + "s", Py.repr(v)));
                case 'd', 'i' -> out.append(String.format(Locale.ROOT, spec + "d", number(v, conv).longValue()));
                case 'x', 'X' -> out.append(String.format(Locale.ROOT, spec.toString() + conv,
                        number(v, conv).longValue()));
                case 'f', 'F', 'e', 'E', 'g', 'G' -> out.append(String.format(Locale.ROOT,
                        (spec.indexOf(".") < 0 && conv != 'g' && conv != 'G' ? spec + ".6" : spec.toString())
                                + conv, number(v, conv).doubleValue()));
                default -> throw new TemplateRuntimeException("ValueError: unsupported format character '" + conv
                        + "'");
            }
        }
        if (next < values.size() && args instanceof PyTuple) {
            throw new TemplateRuntimeException("TypeError: not all arguments converted during string formatting");
        }
        return out.toString();
    }

    private static final Object NONE = new Object();

    /** Width and precision are bounded like any string the template builds ({@code '%999999999s' % x}). */
    private static void checkWidths(String widthAndPrecision) {
        for (String part : widthAndPrecision.split("\\.", -1)) {
            if (!part.isEmpty()) {
                long n = part.length() > 18 ? Long.MAX_VALUE : Long.parseLong(part);
                RenderBudget.current().chars(n, "a width or precision in a '%' format");
            }
        }
    }

    private static Number number(Object v, char conv) {
        if (!Py.isNumber(v)) {
            throw new TemplateRuntimeException("TypeError: %" + conv + " format: a real number is required, not "
                    + Py.typeName(v));
        }
        return v instanceof Boolean b ? (b ? 1L : 0L) : (Number) v;
    }
}
