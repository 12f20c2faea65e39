package dev.finetune4j.tokenizer.jinja;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Global functions: Jinja's {@code range}, {@code dict}, {@code namespace}, {@code joiner}, and transformers'
 * {@code raise_exception} and {@code strftime_now}.
 */
final class Builtins {
    private Builtins() {
    }

    static Map<String, Object> globals(Clock clock) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("range", (PyCallable) Builtins::range);
        g.put("dict", (PyCallable) (a, k) -> {
            Map<Object, Object> out = new LinkedHashMap<>();
            if (a.size() > 1) {
                throw new TemplateRuntimeException("TypeError: dict expected at most 1 argument, got " + a.size());
            }
            if (a.size() == 1) {
                Object src = a.get(0);
                if (src instanceof Map<?, ?> m) {
                    out.putAll(m);
                } else {
                    for (Object pair : Py.iterate(src)) {
                        List<Object> kv = Py.iterate(pair);
                        if (kv.size() != 2) {
                            throw new TemplateRuntimeException("ValueError: dictionary update sequence element has "
                                    + "length " + kv.size() + "; 2 is required");
                        }
                        out.put(kv.get(0), kv.get(1));
                    }
                }
            }
            out.putAll(k);
            return out;
        });
        g.put("namespace", (PyCallable) (a, k) -> {
            Namespace ns = new Namespace();
            for (Object src : a) {
                if (!(src instanceof Map<?, ?> m)) {
                    throw new TemplateRuntimeException("TypeError: namespace() positional argument must be a dict");
                }
                m.forEach((key, value) -> ns.attributes.put(Py.str(key), value));
            }
            ns.attributes.putAll(k);
            return ns;
        });
        g.put("joiner", (PyCallable) (a, k) -> {
            String sep = new Args("joiner", a, k, "sep").string(0, ", ");
            boolean[] used = {false};
            return (PyCallable) (a2, k2) -> {
                if (!used[0]) {
                    used[0] = true;
                    return "";
                }
                return sep;
            };
        });
        g.put("raise_exception", (PyCallable) (a, k) -> {
            Object message = new Args("raise_exception", a, k, "message").get(0, "");
            throw new TemplateRuntimeException(Py.str(message), true);
        });
        g.put("strftime_now", (PyCallable) (a, k) -> {
            String fmt = new Args("strftime_now", a, k, "format").string(0, null);
            if (fmt == null) {
                throw new TemplateRuntimeException("TypeError: strftime_now() missing required argument 'format'");
            }
            return Strftime.format(ZonedDateTime.now(clock), fmt);
        });
        return g;
    }

    private static Object range(List<Object> a, Map<String, Object> k) {
        Args.noKeywords("range", k);
        if (a.isEmpty() || a.size() > 3) {
            throw new TemplateRuntimeException("TypeError: range expected 1 to 3 arguments, got " + a.size());
        }
        for (Object o : a) {
            if (!Py.isInt(o)) {
                throw new TemplateRuntimeException("TypeError: '" + Py.typeName(o)
                        + "' object cannot be interpreted as an integer");
            }
        }
        long start = a.size() == 1 ? 0 : Py.toLong(a.get(0));
        long stop = a.size() == 1 ? Py.toLong(a.get(0)) : Py.toLong(a.get(1));
        long step = a.size() == 3 ? Py.toLong(a.get(2)) : 1;
        if (step == 0) {
            throw new TemplateRuntimeException("ValueError: range() arg 3 must not be zero");
        }
        RenderBudget budget = RenderBudget.current();
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (out.size() >= budget.limits.maxRange()) {
                budget.range(out.size() + 1L);
            }
            out.add(i);
        }
        budget.steps(out.size());
        return out;
    }
}
