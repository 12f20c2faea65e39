package dev.finetune4j.tokenizer.jinja;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Jinja2's builtin tests ({@code is defined}, {@code is none}, {@code is string}, …). */
final class Tests {
    @FunctionalInterface
    interface Test {
        boolean apply(Object value, Args args, Frame frame);
    }

    private record Entry(Test test, String[] params) {
    }

    private static final Map<String, Entry> TESTS = new HashMap<>();

    private Tests() {
    }

    static boolean exists(String name) {
        return TESTS.containsKey(name);
    }

    static boolean apply(String name, Object value, List<Object> args, Map<String, Object> kwargs, Frame frame) {
        Entry e = TESTS.get(name);
        if (e == null) {
            throw new TemplateRuntimeException("TemplateRuntimeError: No test named '" + name + "'.");
        }
        return e.test.apply(value, new Args(name, args, kwargs, e.params), frame);
    }

    private static void register(Test t, String[] params, String... names) {
        for (String n : names) {
            TESTS.put(n, new Entry(t, params));
        }
    }

    private static final String[] NONE = {};
    private static final String[] OTHER = {"other"};

    private static boolean sameAs(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (a instanceof Boolean || a instanceof String || a instanceof Long || a instanceof Double) {
            return a.getClass() == b.getClass() && a.equals(b);
        }
        return false;
    }

    static {
        register((v, a, f) -> v instanceof Boolean, NONE, "boolean");
        register((v, a, f) -> v instanceof PyCallable, NONE, "callable");
        register((v, a, f) -> !(v instanceof Undefined), NONE, "defined");
        register((v, a, f) -> v instanceof Undefined, NONE, "undefined");
        register((v, a, f) -> Py.truthy(Py.eq(Py.mod(v, a.required(0, "num")), 0L)), new String[] {"num"},
                "divisibleby");
        register((v, a, f) -> Py.eq(v, a.required(0, "other")), OTHER, "eq", "equalto", "==");
        register((v, a, f) -> !Py.eq(v, a.required(0, "other")), OTHER, "ne", "!=");
        register((v, a, f) -> Py.compare(v, a.required(0, "other"), ">") > 0, OTHER, "gt", "greaterthan", ">");
        register((v, a, f) -> Py.compare(v, a.required(0, "other"), ">=") >= 0, OTHER, "ge", ">=");
        register((v, a, f) -> Py.compare(v, a.required(0, "other"), "<") < 0, OTHER, "lt", "lessthan", "<");
        register((v, a, f) -> Py.compare(v, a.required(0, "other"), "<=") <= 0, OTHER, "le", "<=");
        register((v, a, f) -> false, NONE, "escaped");
        register((v, a, f) -> Py.toLong(integer(v)) % 2 == 0, NONE, "even");
        register((v, a, f) -> Math.floorMod(Py.toLong(integer(v)), 2L) == 1, NONE, "odd");
        register((v, a, f) -> Boolean.FALSE.equals(v), NONE, "false");
        register((v, a, f) -> Boolean.TRUE.equals(v), NONE, "true");
        register((v, a, f) -> v instanceof String s && Filters.exists(s), NONE, "filter");
        register((v, a, f) -> v instanceof String s && exists(s), NONE, "test");
        register((v, a, f) -> v instanceof Double, NONE, "float");
        register((v, a, f) -> v instanceof Long, NONE, "integer");
        register((v, a, f) -> Py.contains(a.required(0, "seq"), v), new String[] {"seq"}, "in");
        register((v, a, f) -> Py.isIterable(v), NONE, "iterable");
        register((v, a, f) -> StringMethods.isLower(Py.str(v)), NONE, "lower");
        register((v, a, f) -> StringMethods.isUpper(Py.str(v)), NONE, "upper");
        register((v, a, f) -> v instanceof Map, NONE, "mapping");
        register((v, a, f) -> v == null, NONE, "none");
        register((v, a, f) -> Py.isNumber(v), NONE, "number");
        register((v, a, f) -> sameAs(v, a.required(0, "other")), OTHER, "sameas");
        register((v, a, f) -> v instanceof String || v instanceof List || v instanceof PyTuple || v instanceof Map
                || v instanceof Undefined, NONE, "sequence");
        register((v, a, f) -> v instanceof String, NONE, "string");
    }

    private static Object integer(Object v) {
        if (v instanceof Undefined u) {
            throw u.fail();
        }
        if (!Py.isInt(v)) {
            throw new TemplateRuntimeException("TypeError: not all arguments converted during string formatting");
        }
        return v;
    }
}
