package dev.finetune4j.tokenizer.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jinja's sandboxed {@code getattr} ({@code a.b}: attribute/method first, then item) and {@code getitem}
 * ({@code a[b]}: item first, then attribute), with ImmutableSandboxedEnvironment's refusal of mutating methods.
 */
final class Attributes {
    private static final Set<String> UNSAFE_LIST = Set.of("append", "extend", "insert", "pop", "remove", "reverse",
            "sort", "clear");
    private static final Set<String> UNSAFE_DICT = Set.of("clear", "pop", "popitem", "setdefault", "update");

    private Attributes() {
    }

    static Object getattr(Object obj, String name) {
        if (obj instanceof Undefined u) {
            throw u.fail();
        }
        if (obj instanceof Namespace ns) {
            return ns.attributes.containsKey(name) ? ns.attributes.get(name) : Undefined.member(obj, name);
        }
        if (obj instanceof LoopContext loop) {
            return loop.attribute(name);
        }
        if (obj instanceof String s) {
            PyCallable m = StringMethods.method(s, name);
            return m != null ? m : Undefined.member(obj, name);
        }
        if (obj instanceof Map<?, ?> m) {
            PyCallable method = dictMethod(m, name);
            if (method != null) {
                return method;
            }
            if (UNSAFE_DICT.contains(name)) {
                return Undefined.unsafe(obj, name);
            }
            Object key = Py.findKey(m, name);
            return key != Py.NO_KEY ? m.get(key) : Undefined.member(obj, name);
        }
        if (obj instanceof List<?> || obj instanceof PyTuple) {
            PyCallable method = sequenceMethod(Py.items(obj), name);
            if (method != null) {
                return method;
            }
            if (obj instanceof List && UNSAFE_LIST.contains(name)) {
                return Undefined.unsafe(obj, name);
            }
        }
        return Undefined.member(obj, name);
    }

    static Object getitem(Object obj, Object key) {
        if (obj instanceof Undefined u) {
            throw u.fail();
        }
        if (key instanceof Slice slice) {
            if (obj instanceof String s) {
                int[] cps = s.codePoints().toArray();
                StringBuilder b = new StringBuilder();
                for (int i : slice.indices(cps.length)) {
                    b.appendCodePoint(cps[i]);
                }
                return b.toString();
            }
            if (Py.isSequence(obj)) {
                List<Object> items = Py.items(obj);
                List<Object> out = new ArrayList<>();
                for (int i : slice.indices(items.size())) {
                    out.add(items.get(i));
                }
                return obj instanceof PyTuple ? new PyTuple(out) : out;
            }
            // Jinja compiles slices to plain Python subscription, bypassing the sandbox's forgiving getitem
            throw new TemplateRuntimeException(obj instanceof Map ? "TypeError: unhashable type: 'slice'"
                    : "TypeError: '" + Py.typeName(obj) + "' object is not subscriptable");
        }
        if (obj instanceof Map<?, ?> m) {
            Object k = Py.findKey(m, key);
            if (k != Py.NO_KEY) {
                return m.get(k);
            }
            return key instanceof String s ? getattr(obj, s) : Undefined.member(obj, key);
        }
        if ((Py.isSequence(obj) || obj instanceof String) && Py.isInt(key)) {
            long i = Py.toLong(key);
            if (obj instanceof String s) {
                int n = s.codePointCount(0, s.length());
                long idx = i < 0 ? i + n : i;
                if (idx < 0 || idx >= n) {
                    return Undefined.member(obj, key);
                }
                int off = s.offsetByCodePoints(0, (int) idx);
                return new String(Character.toChars(s.codePointAt(off)));
            }
            List<Object> items = Py.items(obj);
            long idx = i < 0 ? i + items.size() : i;
            if (idx < 0 || idx >= items.size()) {
                return Undefined.member(obj, key);
            }
            return items.get((int) idx);
        }
        if (key instanceof String s) {
            return getattr(obj, s);
        }
        return Undefined.member(obj, key);
    }

    private static PyCallable dictMethod(Map<?, ?> m, String name) {
        return switch (name) {
            case "items" -> (a, k) -> {
                new Args("dict.items", a, k);
                List<Object> out = new ArrayList<>();
                m.forEach((key, value) -> out.add(PyTuple.of(key, value)));
                return out;
            };
            case "keys" -> (a, k) -> {
                new Args("dict.keys", a, k);
                return new ArrayList<Object>(m.keySet());
            };
            case "values" -> (a, k) -> {
                new Args("dict.values", a, k);
                return new ArrayList<Object>(m.values());
            };
            case "get" -> (a, k) -> {
                Args.noKeywords("dict.get", k);
                Args args = new Args("get", a, k, "key", "default");
                Object key = Py.findKey(m, args.required(0, "key"));
                return key != Py.NO_KEY ? m.get(key) : args.get(1, null);
            };
            case "copy" -> (a, k) -> {
                new Args("dict.copy", a, k);
                return new java.util.LinkedHashMap<Object, Object>(m);
            };
            default -> null;
        };
    }

    private static PyCallable sequenceMethod(List<Object> items, String name) {
        return switch (name) {
            case "count" -> (a, k) -> {
                Object x = new Args("count", a, k, "value").required(0, "value");
                long n = 0;
                for (Object item : items) {
                    if (Py.eq(item, x)) {
                        n++;
                    }
                }
                return n;
            };
            case "index" -> (a, k) -> {
                Object x = new Args("index", a, k, "value").required(0, "value");
                for (int i = 0; i < items.size(); i++) {
                    if (Py.eq(items.get(i), x)) {
                        return (long) i;
                    }
                }
                throw new TemplateRuntimeException("ValueError: " + Py.repr(x) + " is not in list");
            };
            default -> null;
        };
    }
}
