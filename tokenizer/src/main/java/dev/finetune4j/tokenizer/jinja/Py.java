package dev.finetune4j.tokenizer.jinja;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python semantics over the interpreter's value model: None is Java {@code null}, bool {@link Boolean}, int
 * {@link Long}, float {@link Double}, str {@link String}, list {@link List}, tuple {@link PyTuple}, dict {@link Map}
 * (insertion ordered), plus {@link Undefined}, {@link Namespace}, {@link PyGenerator} and {@link PyCallable}.
 */
final class Py {
    private Py() {
    }

    // ---------------------------------------------------------------- conversion of caller data

    /**
     * Converts Java/Jackson data (Integer, BigDecimal, arrays, JsonNode…) into the value model, deeply; nesting deeper
     * than {@link RenderLimits#maxNesting()} (a map that contains itself, say) is refused.
     */
    static Object fromJava(Object o) {
        RenderBudget budget = RenderBudget.current();
        budget.enter();
        try {
            budget.step();
            return fromJavaNested(o);
        } finally {
            budget.leave();
        }
    }

    private static Object fromJavaNested(Object o) {
        if (o == null || o instanceof String || o instanceof Boolean || o instanceof Long || o instanceof Double
                || o instanceof Undefined || o instanceof PyTuple || o instanceof Namespace || o instanceof PyCallable
                || o instanceof PyGenerator) {
            return o;
        }
        if (o instanceof Integer || o instanceof Short || o instanceof Byte) {
            return ((Number) o).longValue();
        }
        if (o instanceof java.math.BigInteger b) {
            return b.longValueExact();
        }
        if (o instanceof Number num) {
            return num.doubleValue();
        }
        if (o instanceof Character c) {
            return c.toString();
        }
        if (o instanceof com.fasterxml.jackson.databind.JsonNode node) {
            return fromJson(node);
        }
        if (o instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(fromJava(e.getKey()), fromJava(e.getValue()));
            }
            return out;
        }
        if (o instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            for (Object x : c) {
                out.add(fromJava(x));
            }
            return out;
        }
        if (o instanceof Object[] arr) {
            List<Object> out = new ArrayList<>(arr.length);
            for (Object x : arr) {
                out.add(fromJava(x));
            }
            return out;
        }
        throw new IllegalArgumentException("cannot pass a " + o.getClass().getName() + " to a template; use "
                + "strings, numbers, booleans, null, lists and maps");
    }

    private static Object fromJson(com.fasterxml.jackson.databind.JsonNode n) {
        RenderBudget budget = RenderBudget.current();
        budget.enter();
        try {
            budget.step();
            return fromJsonNested(n);
        } finally {
            budget.leave();
        }
    }

    private static Object fromJsonNested(com.fasterxml.jackson.databind.JsonNode n) {
        if (n.isNull() || n.isMissingNode()) {
            return null;
        }
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isBoolean()) {
            return n.asBoolean();
        }
        if (n.isIntegralNumber()) {
            return n.asLong();
        }
        if (n.isNumber()) {
            return n.asDouble();
        }
        if (n.isArray()) {
            List<Object> out = new ArrayList<>();
            n.forEach(x -> out.add(fromJson(x)));
            return out;
        }
        Map<Object, Object> out = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> out.put(e.getKey(), fromJson(e.getValue())));
        return out;
    }

    // ---------------------------------------------------------------- type checks

    static boolean isNumber(Object o) {
        return o instanceof Long || o instanceof Double || o instanceof Boolean;
    }

    static boolean isInt(Object o) {
        return o instanceof Long || o instanceof Boolean;
    }

    static long toLong(Object o) {
        if (o instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return ((Number) o).longValue();
    }

    static double toDouble(Object o) {
        if (o instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return ((Number) o).doubleValue();
    }

    static boolean isSequence(Object o) {
        return o instanceof List || o instanceof PyTuple;
    }

    @SuppressWarnings("unchecked")
    static List<Object> items(Object seq) {
        return seq instanceof PyTuple t ? t.items() : (List<Object>) seq;
    }

    static String typeName(Object o) {
        if (o == null) {
            return "NoneType";
        }
        if (o instanceof String) {
            return "str";
        }
        if (o instanceof Boolean) {
            return "bool";
        }
        if (o instanceof Long) {
            return "int";
        }
        if (o instanceof Double) {
            return "float";
        }
        if (o instanceof List) {
            return "list";
        }
        if (o instanceof PyTuple) {
            return "tuple";
        }
        if (o instanceof Map) {
            return "dict";
        }
        if (o instanceof Undefined) {
            return "Undefined";
        }
        if (o instanceof Namespace) {
            return "Namespace";
        }
        if (o instanceof PyGenerator) {
            return "generator";
        }
        if (o instanceof LoopContext) {
            return "LoopContext";
        }
        if (o instanceof PyCallable) {
            return "function";
        }
        return o.getClass().getSimpleName();
    }

    // ---------------------------------------------------------------- truthiness, str, repr

    static boolean truthy(Object o) {
        if (o == null || o instanceof Undefined) {
            return false;
        }
        if (o instanceof Boolean b) {
            return b;
        }
        if (o instanceof Long l) {
            return l != 0;
        }
        if (o instanceof Double d) {
            return d != 0.0;
        }
        if (o instanceof String s) {
            return !s.isEmpty();
        }
        if (o instanceof List<?> l) {
            return !l.isEmpty();
        }
        if (o instanceof PyTuple t) {
            return !t.items().isEmpty();
        }
        if (o instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    /** Python {@code str()}. */
    static String str(Object o) {
        if (o instanceof String s) {
            return s;
        }
        if (o instanceof Undefined) {
            return "";
        }
        return repr(o);
    }

    /**
     * Python {@code repr()}. Containers are written into one builder whose length is checked against
     * {@link RenderLimits#maxValueSize()} as it grows (shared sub-lists can make a small value print huge), one
     * budget step per item; a container inside itself prints as {@code [...]} like Python.
     */
    static String repr(Object o) {
        if (!(o instanceof List || o instanceof PyTuple || o instanceof Map || o instanceof Namespace)) {
            return scalarRepr(o);
        }
        StringBuilder b = new StringBuilder();
        reprInto(o, b, RenderBudget.current(), new java.util.IdentityHashMap<>());
        return b.toString();
    }

    private static void reprInto(Object o, StringBuilder b, RenderBudget budget,
            java.util.IdentityHashMap<Object, Boolean> open) {
        budget.step();
        if (!(o instanceof List || o instanceof PyTuple || o instanceof Map || o instanceof Namespace)) {
            String text = scalarRepr(o);
            budget.chars(b.length() + (long) text.length(), "the printed value");
            b.append(text);
            return;
        }
        if (open.containsKey(o)) {
            b.append(o instanceof Map ? "{...}" : o instanceof Namespace ? "<Namespace ...>" : "[...]");
            return;
        }
        budget.chars(b.length() + 2L, "the printed value");
        open.put(o, Boolean.TRUE);
        budget.enter();
        try {
            if (o instanceof List<?> || o instanceof PyTuple) {
                List<Object> items = items(o);
                boolean tuple = o instanceof PyTuple;
                b.append(tuple ? '(' : '[');
                for (int i = 0; i < items.size(); i++) {
                    if (i > 0) {
                        b.append(", ");
                    }
                    reprInto(items.get(i), b, budget, open);
                }
                if (tuple && items.size() == 1) {
                    b.append(',');
                }
                b.append(tuple ? ')' : ']');
            } else if (o instanceof Map<?, ?> m) {
                b.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        b.append(", ");
                    }
                    first = false;
                    reprInto(e.getKey(), b, budget, open);
                    b.append(": ");
                    reprInto(e.getValue(), b, budget, open);
                }
                b.append('}');
            } else {
                b.append("<Namespace {");
                boolean first = true;
                for (Map.Entry<String, Object> e : ((Namespace) o).attributes.entrySet()) {
                    if (!first) {
                        b.append(", ");
                    }
                    first = false;
                    b.append(stringRepr(e.getKey())).append(": ");
                    reprInto(e.getValue(), b, budget, open);
                }
                b.append("}>");
            }
        } finally {
            budget.leave();
            open.remove(o);
        }
    }

    private static String scalarRepr(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof String s) {
            return stringRepr(s);
        }
        if (o instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (o instanceof Long l) {
            return l.toString();
        }
        if (o instanceof Double d) {
            return floatRepr(d);
        }
        if (o instanceof Undefined) {
            return "Undefined";
        }
        if (o instanceof PyGenerator) {
            return "<generator object>";
        }
        if (o instanceof LoopContext) {
            return "<LoopContext>";
        }
        if (o instanceof PyCallable) {
            return "<function>";
        }
        return String.valueOf(o);
    }

    static String stringRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder b = new StringBuilder(s.length() + 2).append(quote);
        s.codePoints().forEach(c -> {
            if (c == quote || c == '\\') {
                b.append('\\').appendCodePoint(c);
            } else if (c == '\t') {
                b.append("\\t");
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", c));
            } else if (c < 0x7f || isPrintable(c)) {
                b.appendCodePoint(c);
            } else if (c <= 0xff) {
                b.append(String.format("\\x%02x", c));
            } else if (c <= 0xffff) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.append(String.format("\\U%08x", c));
            }
        });
        return b.append(quote).toString();
    }

    private static boolean isPrintable(int c) {
        int t = Character.getType(c);
        return !(t == Character.CONTROL || t == Character.FORMAT || t == Character.SURROGATE
                || t == Character.PRIVATE_USE || t == Character.UNASSIGNED || t == Character.LINE_SEPARATOR
                || t == Character.PARAGRAPH_SEPARATOR || t == Character.SPACE_SEPARATOR);
    }

    /** Python's {@code repr(float)}: the shortest digits that round-trip, exponent form outside 1e-4..1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(d);
        BigDecimal shortest = exact;
        for (int p = 1; p <= 17; p++) {
            BigDecimal r = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
            if (r.doubleValue() == d) {
                shortest = r;
                break;
            }
        }
        shortest = shortest.stripTrailingZeros();
        String digits = shortest.unscaledValue().abs().toString();
        int exp10 = digits.length() - 1 - shortest.scale(); // exponent of the first digit
        String sign = d < 0 ? "-" : "";
        if (exp10 < -4 || exp10 >= 16) {
            String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            String e = String.valueOf(Math.abs(exp10));
            return sign + mant + "e" + (exp10 < 0 ? "-" : "+") + (e.length() < 2 ? "0" + e : e);
        }
        if (exp10 < 0) {
            return sign + "0." + "0".repeat(-exp10 - 1) + digits;
        }
        if (digits.length() <= exp10 + 1) {
            return sign + digits + "0".repeat(exp10 + 1 - digits.length()) + ".0";
        }
        return sign + digits.substring(0, exp10 + 1) + "." + digits.substring(exp10 + 1);
    }

    // ---------------------------------------------------------------- equality and ordering

    static boolean eq(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (!(a instanceof List || a instanceof PyTuple || a instanceof Map)) {
            return eqNested(a, b);
        }
        // containers: one step per item compared, nesting bounded (shared sub-lists, cycles)
        RenderBudget budget = RenderBudget.current();
        budget.enter();
        try {
            return eqNested(a, b);
        } finally {
            budget.leave();
        }
    }

    private static boolean eqNested(Object a, Object b) {
        if (a == null || b == null) {
            return false;
        }
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b)) {
                return toLong(a) == toLong(b);
            }
            return toDouble(a) == toDouble(b);
        }
        if (a instanceof String || b instanceof String) {
            return a.equals(b);
        }
        if (a instanceof Undefined || b instanceof Undefined) {
            return a instanceof Undefined && b instanceof Undefined;
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            return seqEq(la, lb);
        }
        if (a instanceof PyTuple ta && b instanceof PyTuple tb) {
            return seqEq(ta.items(), tb.items());
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (ma.size() != mb.size()) {
                return false;
            }
            RenderBudget.current().steps(ma.size());
            for (Map.Entry<?, ?> e : ma.entrySet()) {
                Object key = findKey(mb, e.getKey());
                if (key == NO_KEY || !eq(e.getValue(), mb.get(key))) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static boolean seqEq(List<?> a, List<?> b) {
        if (a.size() != b.size()) {
            return false;
        }
        RenderBudget.current().steps(a.size());
        for (int i = 0; i < a.size(); i++) {
            if (!eq(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    static final Object NO_KEY = new Object();

    /** The key of {@code m} equal to {@code key} in Python's sense (1 == 1.0 == True), or {@link #NO_KEY}. */
    static Object findKey(Map<?, ?> m, Object key) {
        if (m.containsKey(key)) {
            return key;
        }
        if (isNumber(key)) {
            for (Object k : m.keySet()) {
                if (isNumber(k) && eq(k, key)) {
                    return k;
                }
            }
        }
        return NO_KEY;
    }

    /** Python ordering for {@code <}: numbers, strings, lists and tuples; anything else is a TypeError. */
    static int compare(Object a, Object b, String op) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (b instanceof Undefined u) {
            throw u.fail();
        }
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b)) {
                return Long.compare(toLong(a), toLong(b));
            }
            return Double.compare(toDouble(a), toDouble(b));
        }
        if (a instanceof String sa && b instanceof String sb) {
            return compareCodePoints(sa, sb);
        }
        if ((a instanceof List && b instanceof List) || (a instanceof PyTuple && b instanceof PyTuple)) {
            List<Object> la = items(a);
            List<Object> lb = items(b);
            RenderBudget budget = RenderBudget.current();
            budget.enter();
            try {
                for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
                    budget.step();
                    if (!eq(la.get(i), lb.get(i))) {
                        return compare(la.get(i), lb.get(i), op);
                    }
                }
            } finally {
                budget.leave();
            }
            return Integer.compare(la.size(), lb.size());
        }
        throw new TemplateRuntimeException("TypeError: '" + op + "' not supported between instances of '"
                + typeName(a) + "' and '" + typeName(b) + "'");
    }

    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** Sort order as Python's {@code sorted} sees it: equal items are never compared with {@code <}. */
    static int sortCompare(Object a, Object b) {
        return eq(a, b) ? 0 : compare(a, b, "<");
    }

    // ---------------------------------------------------------------- containers

    static boolean contains(Object container, Object item) {
        if (container instanceof Undefined) {
            return false;
        }
        if (container instanceof String s) {
            if (!(item instanceof String sub)) {
                throw new TemplateRuntimeException("TypeError: 'in <string>' requires string as left operand, not "
                        + typeName(item));
            }
            return s.contains(sub);
        }
        if (container instanceof Map<?, ?> m) {
            return findKey(m, item) != NO_KEY;
        }
        if (isSequence(container)) {
            RenderBudget.current().steps(items(container).size());
            for (Object x : items(container)) {
                if (eq(x, item)) {
                    return true;
                }
            }
            return false;
        }
        if (container instanceof PyGenerator g) {
            RenderBudget budget = RenderBudget.current();
            for (Object x : g) {
                budget.step();
                if (eq(x, item)) {
                    return true;
                }
            }
            return false;
        }
        if (container instanceof Namespace) {
            throw new TemplateRuntimeException("TypeError: argument of type 'Namespace' is not iterable");
        }
        throw new TemplateRuntimeException("TypeError: argument of type '" + typeName(container)
                + "' is not iterable");
    }

    /** The items of an iterable, materialised (a generator is consumed). */
    static List<Object> iterate(Object o) {
        RenderBudget budget = RenderBudget.current();
        if (o instanceof List<?> || o instanceof PyTuple) {
            budget.steps(items(o).size());
            return items(o);
        }
        if (o instanceof Map<?, ?> m) {
            return new ArrayList<>(m.keySet());
        }
        if (o instanceof String s) {
            budget.steps(s.length());
            List<Object> out = new ArrayList<>(s.length());
            s.codePoints().forEach(c -> out.add(new String(Character.toChars(c))));
            return out;
        }
        if (o instanceof PyGenerator g) {
            List<Object> out = new ArrayList<>();
            for (Iterator<Object> it = g.iterator(); it.hasNext(); ) {
                budget.step();
                out.add(it.next());
            }
            return out;
        }
        if (o instanceof Undefined) {
            return List.of();
        }
        throw new TemplateRuntimeException("TypeError: '" + typeName(o) + "' object is not iterable");
    }

    static boolean isIterable(Object o) {
        return o instanceof List || o instanceof PyTuple || o instanceof Map || o instanceof String
                || o instanceof PyGenerator || o instanceof Undefined;
    }

    static int length(Object o) {
        if (o instanceof String s) {
            return s.codePointCount(0, s.length());
        }
        if (isSequence(o)) {
            return items(o).size();
        }
        if (o instanceof Map<?, ?> m) {
            return m.size();
        }
        if (o instanceof Undefined) {
            return 0;
        }
        throw new TemplateRuntimeException("TypeError: object of type '" + typeName(o) + "' has no len()");
    }

    // ---------------------------------------------------------------- arithmetic

    static Object add(Object a, Object b) {
        failIfUndefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b)) {
                return Math.addExact(toLong(a), toLong(b));
            }
            return toDouble(a) + toDouble(b);
        }
        if (a instanceof String sa && b instanceof String sb) {
            RenderBudget.current().chars((long) sa.length() + sb.length(), "a string built with '+'");
            return sa + sb;
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            RenderBudget.current().items((long) la.size() + lb.size(), "a list built with '+'");
            List<Object> out = new ArrayList<>(la);
            out.addAll(lb);
            return out;
        }
        if (a instanceof PyTuple ta && b instanceof PyTuple tb) {
            RenderBudget.current().items((long) ta.items().size() + tb.items().size(), "a tuple built with '+'");
            List<Object> out = new ArrayList<>(ta.items());
            out.addAll(tb.items());
            return new PyTuple(out);
        }
        if (a instanceof String) {
            throw new TemplateRuntimeException("TypeError: can only concatenate str (not \"" + typeName(b)
                    + "\") to str");
        }
        if (a instanceof List) {
            throw new TemplateRuntimeException("TypeError: can only concatenate list (not \"" + typeName(b)
                    + "\") to list");
        }
        throw unsupported("+", a, b);
    }

    static Object sub(Object a, Object b) {
        failIfUndefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b)) {
                return Math.subtractExact(toLong(a), toLong(b));
            }
            return toDouble(a) - toDouble(b);
        }
        throw unsupported("-", a, b);
    }

    static Object mul(Object a, Object b) {
        failIfUndefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b)) {
                return Math.multiplyExact(toLong(a), toLong(b));
            }
            return toDouble(a) * toDouble(b);
        }
        if (a instanceof String s && isInt(b)) {
            return repeat(s, toLong(b));
        }
        if (b instanceof String s && isInt(a)) {
            return repeat(s, toLong(a));
        }
        if ((a instanceof List<?> || a instanceof PyTuple) && isInt(b)) {
            return repeat(a, toLong(b));
        }
        if ((b instanceof List<?> || b instanceof PyTuple) && isInt(a)) {
            return repeat(b, toLong(a));
        }
        throw unsupported("*", a, b);
    }

    private static String repeat(String s, long times) {
        long n = Math.max(0, times);
        RenderBudget.current().chars(RenderBudget.times(s.length(), n), "a string repeated with '*'");
        return s.repeat((int) n);
    }

    private static Object repeat(Object seq, long times) {
        List<Object> l = items(seq);
        long n = Math.max(0, times);
        RenderBudget budget = RenderBudget.current();
        budget.items(RenderBudget.times(l.size(), n), "a list repeated with '*'");
        if (l.isEmpty()) {
            n = 0;
        }
        budget.steps(n);
        List<Object> out = new ArrayList<>((int) (l.size() * n));
        for (long i = 0; i < n; i++) {
            out.addAll(l);
        }
        return seq instanceof PyTuple ? new PyTuple(out) : out;
    }

    static Object div(Object a, Object b) {
        failIfUndefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            if (toDouble(b) == 0) {
                throw new TemplateRuntimeException("ZeroDivisionError: division by zero");
            }
            return toDouble(a) / toDouble(b);
        }
        throw unsupported("/", a, b);
    }

    static Object floorDiv(Object a, Object b) {
        failIfUndefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            if (toDouble(b) == 0) {
                throw new TemplateRuntimeException("ZeroDivisionError: integer division or modulo by zero");
            }
            if (isInt(a) && isInt(b)) {
                return Math.floorDiv(toLong(a), toLong(b));
            }
            return Math.floor(toDouble(a) / toDouble(b));
        }
        throw unsupported("//", a, b);
    }

    static Object mod(Object a, Object b) {
        failIfUndefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            if (toDouble(b) == 0) {
                throw new TemplateRuntimeException("ZeroDivisionError: integer division or modulo by zero");
            }
            if (isInt(a) && isInt(b)) {
                return Math.floorMod(toLong(a), toLong(b));
            }
            double x = toDouble(a);
            double y = toDouble(b);
            double r = x % y;
            if (r != 0 && (r < 0) != (y < 0)) {
                r += y;
            }
            return r;
        }
        if (a instanceof String fmt) {
            return PercentFormat.format(fmt, b);
        }
        throw unsupported("%", a, b);
    }

    static Object pow(Object a, Object b) {
        failIfUndefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b) && toLong(b) >= 0) {
                // by squaring: 1 ** 10**18 must not loop 10**18 times
                long base = toLong(a);
                long result = 1;
                for (long e = toLong(b); e > 0; e >>= 1) {
                    if ((e & 1) != 0) {
                        result = Math.multiplyExact(result, base);
                    }
                    if (e > 1) {
                        base = Math.multiplyExact(base, base);
                    }
                }
                return result;
            }
            return Math.pow(toDouble(a), toDouble(b));
        }
        throw unsupported("**", a, b);
    }

    static Object neg(Object a) {
        failIfUndefined(a, 0L);
        if (a instanceof Double d) {
            return -d;
        }
        if (isInt(a)) {
            return -toLong(a);
        }
        throw new TemplateRuntimeException("TypeError: bad operand type for unary -: '" + typeName(a) + "'");
    }

    static Object pos(Object a) {
        failIfUndefined(a, 0L);
        if (a instanceof Double) {
            return a;
        }
        if (isInt(a)) {
            return toLong(a);
        }
        throw new TemplateRuntimeException("TypeError: bad operand type for unary +: '" + typeName(a) + "'");
    }

    static void failIfUndefined(Object a, Object b) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (b instanceof Undefined u) {
            throw u.fail();
        }
    }

    private static TemplateRuntimeException unsupported(String op, Object a, Object b) {
        return new TemplateRuntimeException("TypeError: unsupported operand type(s) for " + op + ": '" + typeName(a)
                + "' and '" + typeName(b) + "'");
    }

    // ---------------------------------------------------------------- whitespace

    /** Python's {@code str.isspace} for one char. */
    static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\u001c' && c <= '\u001f') || c == '\u0085'
                || c == '\u00a0' || c == '\u1680' || (c >= '\u2000' && c <= '\u200a') || c == '\u2028'
                || c == '\u2029' || c == '\u202f' || c == '\u205f' || c == '\u3000';
    }

    static boolean isBlank(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!isSpace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    static String lstrip(String s) {
        int start = 0;
        while (start < s.length() && isSpace(s.charAt(start))) {
            start++;
        }
        return s.substring(start);
    }

    static String strip(String s) {
        return lstrip(rstrip(s));
    }
}
