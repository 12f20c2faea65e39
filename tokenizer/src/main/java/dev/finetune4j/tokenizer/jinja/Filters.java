package dev.finetune4j.tokenizer.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Jinja2's builtin filters (the ones chat templates use), with transformers' {@code tojson}. */
final class Filters {
    @FunctionalInterface
    interface Filter {
        Object apply(Object value, List<Object> args, Map<String, Object> kwargs, Frame frame);
    }

    private static final Map<String, Filter> FILTERS = new HashMap<>();
    private static final Pattern WORD_BEGINNING = Pattern.compile("([-\\s(\\{\\[<]+)");
    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);

    private Filters() {
    }

    static boolean exists(String name) {
        return FILTERS.containsKey(name);
    }

    static Object apply(String name, Object value, List<Object> args, Map<String, Object> kwargs, Frame frame) {
        Filter f = FILTERS.get(name);
        if (f == null) {
            throw new TemplateRuntimeException("TemplateRuntimeError: No filter named '" + name + "'.");
        }
        return f.apply(value, args, kwargs, frame);
    }

    private static void register(Filter f, String... names) {
        for (String n : names) {
            FILTERS.put(n, f);
        }
    }

    private static String str(Object v) {
        return Py.str(v);
    }

    static {
        register((v, a, k, f) -> {
            new Args("abs", a, k);
            if (v instanceof Double d) {
                return Math.abs(d);
            }
            if (Py.isInt(v)) {
                return Math.abs(Py.toLong(v));
            }
            throw new TemplateRuntimeException("TypeError: bad operand type for abs(): '" + Py.typeName(v) + "'");
        }, "abs");
        register((v, a, k, f) -> Attributes.getattr(v, new Args("attr", a, k, "name").string(0, "")), "attr");
        register((v, a, k, f) -> StringMethods.capitalize(str(v)), "capitalize");
        register((v, a, k, f) -> {
            Args args = new Args("center", a, k, "width");
            return StringMethods.method(str(v), "center").call(List.of(args.integer(0, 80)), Map.of());
        }, "center");
        register((v, a, k, f) -> {
            Args args = new Args("default", a, k, "default_value", "boolean");
            Object dflt = args.get(0, "");
            return v instanceof Undefined || (args.bool(1, false) && !Py.truthy(v)) ? dflt : v;
        }, "default", "d");
        register(Filters::dictsort, "dictsort");
        register((v, a, k, f) -> escape(str(v)), "escape", "e", "forceescape");
        register((v, a, k, f) -> {
            new Args("first", a, k);
            Iterator<Object> it = v instanceof PyGenerator g ? g.iterator() : Py.iterate(v).iterator();
            return it.hasNext() ? it.next() : Undefined.hint("No first item, sequence was empty.");
        }, "first");
        register((v, a, k, f) -> {
            if (v instanceof PyGenerator) {
                throw new TemplateRuntimeException("TypeError: 'generator' object is not reversible");
            }
            List<Object> items = Py.iterate(v);
            return items.isEmpty() ? Undefined.hint("No last item, sequence was empty.")
                    : items.get(items.size() - 1);
        }, "last");
        register((v, a, k, f) -> toFloat(v, new Args("float", a, k, "default").get(0, 0.0)), "float");
        register((v, a, k, f) -> {
            Args args = new Args("int", a, k, "default", "base");
            return toInt(v, args.get(0, 0L), (int) args.integer(1, 10));
        }, "int");
        register((v, a, k, f) -> {
            if (!a.isEmpty() && !k.isEmpty()) {
                throw new TemplateRuntimeException("FilterArgumentError: can't handle positional and keyword "
                        + "arguments at the same time");
            }
            if (!k.isEmpty()) {
                throw new TemplateRuntimeException("TypeError: format with keyword arguments is not supported");
            }
            return PercentFormat.format(str(v), new PyTuple(a));
        }, "format");
        register(Filters::groupby, "groupby");
        register(Filters::indent, "indent");
        register((v, a, k, f) -> {
            new Args("items", a, k);
            if (v instanceof Undefined) {
                return new PyGenerator(Collections.emptyIterator());
            }
            if (!(v instanceof Map<?, ?> m)) {
                throw new TemplateRuntimeException("TypeError: Can only get item pairs from a mapping.");
            }
            List<Object> pairs = new ArrayList<>();
            m.forEach((key, value) -> pairs.add(PyTuple.of(key, value)));
            return new PyGenerator(pairs.iterator());
        }, "items");
        register((v, a, k, f) -> {
            Args args = new Args("join", a, k, "d", "attribute");
            String sep = str(args.get(0, ""));
            List<Object> items = Py.iterate(v);
            Object attribute = args.get(1, null);
            StringBuilder b = new StringBuilder();
            RenderBudget budget = RenderBudget.current();
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) {
                    budget.chars((long) b.length() + sep.length(), "a string built with join");
                    b.append(sep);
                }
                Object item = attribute == null ? items.get(i) : attrGetter(attribute, null, null).apply(items.get(i));
                String part = str(item);
                budget.chars((long) b.length() + part.length(), "a string built with join");
                b.append(part);
            }
            return b.toString();
        }, "join");
        register((v, a, k, f) -> {
            new Args("length", a, k);
            return (long) Py.length(v);
        }, "length", "count");
        register((v, a, k, f) -> {
            new Args("list", a, k);
            return new ArrayList<>(Py.iterate(v));
        }, "list");
        register((v, a, k, f) -> str(v).toLowerCase(Locale.ROOT), "lower");
        register((v, a, k, f) -> str(v).toUpperCase(Locale.ROOT), "upper");
        register(Filters::map, "map");
        register((v, a, k, f) -> minMax(v, a, k, true), "max");
        register((v, a, k, f) -> minMax(v, a, k, false), "min");
        register((v, a, k, f) -> Py.repr(v), "pprint");
        register((v, a, k, f) -> selectOrReject(v, a, k, f, true, false), "select");
        register((v, a, k, f) -> selectOrReject(v, a, k, f, false, false), "reject");
        register((v, a, k, f) -> selectOrReject(v, a, k, f, true, true), "selectattr");
        register((v, a, k, f) -> selectOrReject(v, a, k, f, false, true), "rejectattr");
        register((v, a, k, f) -> {
            Args args = new Args("replace", a, k, "old", "new", "count");
            Object count = args.get(2, null);
            return StringMethods.replace(str(v), str(args.required(0, "old")), str(args.required(1, "new")),
                    count == null ? -1 : Py.toLong(count));
        }, "replace");
        register((v, a, k, f) -> {
            new Args("reverse", a, k);
            if (v instanceof String s) {
                return new StringBuilder(s).reverse().toString();
            }
            List<Object> items = new ArrayList<>(Py.iterate(v));
            Collections.reverse(items);
            return new PyGenerator(items.iterator());
        }, "reverse");
        register(Filters::round, "round");
        register((v, a, k, f) -> str(v), "safe", "string");
        register(Filters::sort, "sort");
        register((v, a, k, f) -> {
            String s = str(v).replaceAll("(?s)<!--.*?-->", "").replaceAll("(?s)<[^>]*>", "");
            return String.join(" ", castStrings(StringMethods.split(s, null, -1)));
        }, "striptags");
        register((v, a, k, f) -> {
            Args args = new Args("sum", a, k, "attribute", "start");
            Object total = args.get(1, 0L);
            Function<Object, Object> getter = args.get(0, null) == null ? x -> x
                    : attrGetter(args.get(0, null), null, null);
            for (Object item : Py.iterate(v)) {
                total = Py.add(total, getter.apply(item));
            }
            return total;
        }, "sum");
        register((v, a, k, f) -> title(str(v)), "title");
        register(Filters::tojson, "tojson");
        register((v, a, k, f) -> StringMethods.strip(str(v), new Args("trim", a, k, "chars").string(0, null), true,
                true), "trim");
        register(Filters::truncate, "truncate");
        register(Filters::unique, "unique");
        register((v, a, k, f) -> (long) countWords(str(v)), "wordcount");
        register((v, a, k, f) -> {
            new Args("urlencode", a, k);
            return java.net.URLEncoder.encode(str(v), java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20")
                    .replace("%2F", "/");
        }, "urlencode");
        register((v, a, k, f) -> batch(v, a, k), "batch");
        register((v, a, k, f) -> slice(v, a, k), "slice");
        register((v, a, k, f) -> fileSize(v, new Args("filesizeformat", a, k, "binary").bool(0, false)),
                "filesizeformat");
        register((v, a, k, f) -> xmlattr(v, new Args("xmlattr", a, k, "autospace").bool(0, true)), "xmlattr");
    }

    private static Object slice(Object v, List<Object> a, Map<String, Object> k) {
        Args args = new Args("slice", a, k, "slices", "fill_with");
        long slices = args.integer(0, 1);
        if (slices <= 0) {
            throw new TemplateRuntimeException("ValueError: slices must be positive");
        }
        Object fill = args.get(1, null);
        RenderBudget.current().items(slices, "the slice filter's list of slices");
        RenderBudget.current().steps(slices);
        List<Object> seq = Py.iterate(v);
        int length = seq.size();
        int perSlice = (int) (length / slices);
        int withExtra = (int) (length % slices);
        int offset = 0;
        List<Object> out = new ArrayList<>();
        for (int n = 0; n < slices; n++) {
            int start = offset + n * perSlice;
            if (n < withExtra) {
                offset++;
            }
            int end = offset + (n + 1) * perSlice;
            List<Object> part = new ArrayList<>(seq.subList(start, end));
            if (fill != null && n >= withExtra) {
                part.add(fill);
            }
            out.add(part);
        }
        return new PyGenerator(out.iterator());
    }

    private static String fileSize(Object v, boolean binary) {
        double bytes = Py.toDouble(toFloat(v, 0.0));
        int base = binary ? 1024 : 1000;
        String[] prefixes = binary ? new String[] {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}
                : new String[] {"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
        if (bytes == 1) {
            return "1 Byte";
        }
        if (bytes < base) {
            return (long) bytes + " Bytes";
        }
        double unit = base;
        for (String prefix : prefixes) {
            unit *= base;
            if (bytes < unit || prefix.equals(prefixes[prefixes.length - 1])) {
                return String.format(Locale.ROOT, "%.1f %s", base * bytes / unit, prefix);
            }
        }
        throw new IllegalStateException();
    }

    private static String xmlattr(Object v, boolean autospace) {
        if (!(v instanceof Map<?, ?> m)) {
            throw new TemplateRuntimeException("AttributeError: '" + Py.typeName(v) + "' object has no attribute "
                    + "'items'");
        }
        List<String> items = new ArrayList<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (e.getValue() == null || e.getValue() instanceof Undefined) {
                continue;
            }
            String key = str(e.getKey());
            if (key.matches("(?s).*[\\s/>=].*")) {
                throw new TemplateRuntimeException("ValueError: Invalid character in attribute name: "
                        + Py.repr(key));
            }
            items.add(escape(key) + "=\"" + escape(str(e.getValue())) + "\"");
        }
        String rv = String.join(" ", items);
        return autospace && !rv.isEmpty() ? " " + rv : rv;
    }

    private static List<String> castStrings(List<Object> l) {
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            out.add((String) o);
        }
        return out;
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&#34;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static int countWords(String s) {
        Matcher m = WORD.matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** Jinja's {@code title} filter: upper-cases the first letter of every word, lower-cases the rest. */
    static String title(String s) {
        StringBuilder b = new StringBuilder();
        Matcher m = WORD_BEGINNING.matcher(s);
        int last = 0;
        List<String> parts = new ArrayList<>();
        while (m.find()) {
            parts.add(s.substring(last, m.start()));
            parts.add(m.group());
            last = m.end();
        }
        parts.add(s.substring(last));
        for (String item : parts) {
            if (!item.isEmpty()) {
                int first = item.codePointAt(0);
                int n = Character.charCount(first);
                b.append(new String(Character.toChars(first)).toUpperCase(Locale.ROOT))
                        .append(item.substring(n).toLowerCase(Locale.ROOT));
            }
        }
        return b.toString();
    }

    private static Object toFloat(Object v, Object dflt) {
        if (v instanceof Double) {
            return v;
        }
        if (Py.isInt(v)) {
            return (double) Py.toLong(v);
        }
        if (v instanceof String s) {
            Double d = parsePyFloat(s);
            return d == null ? dflt : d;
        }
        return dflt;
    }

    private static Double parsePyFloat(String s) {
        String t = Py.strip(s).replace("_", "").toLowerCase(Locale.ROOT);
        switch (t) {
            case "nan", "+nan", "-nan" -> {
                return Double.NaN;
            }
            case "inf", "+inf", "infinity", "+infinity" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-inf", "-infinity" -> {
                return Double.NEGATIVE_INFINITY;
            }
            default -> {
            }
        }
        if (!t.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?")) {
            return null;
        }
        return Double.parseDouble(t);
    }

    private static Object toInt(Object v, Object dflt, int base) {
        if (v instanceof String s) {
            String t = Py.strip(s).replace("_", "");
            try {
                return Long.parseLong(t.startsWith("+") ? t.substring(1) : t, base);
            } catch (NumberFormatException e) {
                Double d = parsePyFloat(s);
                if (d == null || d.isNaN() || d.isInfinite()) {
                    return dflt;
                }
                return (long) d.doubleValue();
            }
        }
        if (Py.isInt(v)) {
            return Py.toLong(v);
        }
        if (v instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                return dflt;
            }
            return (long) d.doubleValue();
        }
        return dflt;
    }

    /** Jinja's {@code make_attrgetter}: dotted path with integer parts, optional default and post-processing. */
    static Function<Object, Object> attrGetter(Object attribute, Object dflt, Function<Object, Object> post) {
        List<Object> parts = new ArrayList<>();
        if (attribute instanceof String s) {
            for (String p : s.split("\\.", -1)) {
                parts.add(p.matches("\\d+") ? (Object) Long.parseLong(p) : p);
            }
        } else if (attribute != null) {
            parts.add(attribute);
        }
        return item -> {
            Object x = item;
            for (Object p : parts) {
                x = Attributes.getitem(x, p);
            }
            if (dflt != null && x instanceof Undefined) {
                x = dflt;
            }
            return post == null ? x : post.apply(x);
        };
    }

    private static Object ignoreCase(Object v) {
        return v instanceof String s ? s.toLowerCase(Locale.ROOT) : v;
    }

    private static Object sort(Object v, List<Object> a, Map<String, Object> k, Frame f) {
        Args args = new Args("sort", a, k, "reverse", "case_sensitive", "attribute");
        boolean reverse = args.bool(0, false);
        boolean caseSensitive = args.bool(1, false);
        Function<Object, Object> key = attrGetter(args.get(2, null), null, caseSensitive ? null : Filters::ignoreCase);
        List<Object> items = new ArrayList<>(Py.iterate(v));
        Comparator<Object> cmp = (x, y) -> Py.sortCompare(key.apply(x), key.apply(y));
        items.sort(reverse ? cmp.reversed() : cmp);
        return items;
    }

    private static Object dictsort(Object v, List<Object> a, Map<String, Object> k, Frame f) {
        Args args = new Args("dictsort", a, k, "case_sensitive", "by", "reverse");
        boolean caseSensitive = args.bool(0, false);
        String by = args.string(1, "key");
        if (!by.equals("key") && !by.equals("value")) {
            throw new TemplateRuntimeException("FilterArgumentError: You can only sort by either \"key\" or "
                    + "\"value\"");
        }
        int pos = by.equals("key") ? 0 : 1;
        if (!(v instanceof Map<?, ?> m)) {
            throw new TemplateRuntimeException("AttributeError: '" + Py.typeName(v) + "' object has no attribute "
                    + "'items'");
        }
        List<Object> items = new ArrayList<>();
        m.forEach((key, value) -> items.add(PyTuple.of(key, value)));
        Comparator<Object> cmp = (x, y) -> {
            Object kx = ((PyTuple) x).items().get(pos);
            Object ky = ((PyTuple) y).items().get(pos);
            if (!caseSensitive) {
                kx = ignoreCase(kx);
                ky = ignoreCase(ky);
            }
            return Py.sortCompare(kx, ky);
        };
        items.sort(args.bool(2, false) ? cmp.reversed() : cmp);
        return items;
    }

    private static Object groupby(Object v, List<Object> a, Map<String, Object> k, Frame f) {
        Args args = new Args("groupby", a, k, "attribute", "default", "case_sensitive");
        Object attribute = args.required(0, "attribute");
        Object dflt = args.get(1, null);
        boolean caseSensitive = args.bool(2, false);
        Function<Object, Object> key = attrGetter(attribute, dflt, caseSensitive ? null : Filters::ignoreCase);
        Function<Object, Object> outKey = attrGetter(attribute, dflt, null);
        List<Object> items = new ArrayList<>(Py.iterate(v));
        items.sort((x, y) -> Py.sortCompare(key.apply(x), key.apply(y)));
        List<Object> out = new ArrayList<>();
        List<Object> group = null;
        Object current = null;
        for (Object item : items) {
            Object kv = key.apply(item);
            if (group == null || !Py.eq(kv, current)) {
                group = new ArrayList<>();
                out.add(group);
                current = kv;
            }
            group.add(item);
        }
        List<Object> tuples = new ArrayList<>();
        for (Object g : out) {
            List<?> members = (List<?>) g;
            tuples.add(PyTuple.of(outKey.apply(members.get(0)), members));
        }
        return tuples;
    }

    private static Object indent(Object v, List<Object> a, Map<String, Object> k, Frame f) {
        Args args = new Args("indent", a, k, "width", "first", "blank");
        Object width = args.get(0, 4L);
        String text = str(v);
        long indentWidth = width instanceof String w ? w.length() : Math.max(0, Py.toLong(width));
        RenderBudget budget = RenderBudget.current();
        budget.chars(indentWidth, "the indent filter's indentation");
        String indention = width instanceof String s ? s : " ".repeat((int) indentWidth);
        // every line may get the indentation: the result's length is bounded before it is built
        long lineCount = text.chars().filter(c -> c == '\n').count() + 2;
        budget.chars(text.length() + RenderBudget.times(lineCount, indentWidth + 1), "a string built by indent");
        String s = text + "\n";
        @SuppressWarnings("unchecked")
        List<Object> lines = (List<Object>) StringMethods.method(s, "splitlines").call(List.of(), Map.of());
        String rv;
        if (args.bool(2, false)) {
            rv = String.join("\n" + indention, castStrings(lines));
        } else {
            StringBuilder b = new StringBuilder((String) lines.get(0));
            if (lines.size() > 1) {
                b.append('\n');
                for (int i = 1; i < lines.size(); i++) {
                    if (i > 1) {
                        b.append('\n');
                    }
                    String line = (String) lines.get(i);
                    b.append(line.isEmpty() ? line : indention + line);
                }
            }
            rv = b.toString();
        }
        return args.bool(1, false) ? indention + rv : rv;
    }

    private static Object map(Object v, List<Object> a, Map<String, Object> k, Frame f) {
        Function<Object, Object> fn;
        if (a.isEmpty() && k.containsKey("attribute")) {
            Map<String, Object> rest = new java.util.LinkedHashMap<>(k);
            Object attribute = rest.remove("attribute");
            Object dflt = rest.remove("default");
            if (!rest.isEmpty()) {
                throw new TemplateRuntimeException("FilterArgumentError: Unexpected keyword argument '"
                        + rest.keySet().iterator().next() + "'");
            }
            fn = attrGetter(attribute, dflt, null);
        } else {
            if (a.isEmpty()) {
                throw new TemplateRuntimeException("FilterArgumentError: map requires a filter argument");
            }
            String name = str(a.get(0));
            List<Object> rest = a.subList(1, a.size());
            if (!exists(name)) {
                throw new TemplateRuntimeException("TemplateRuntimeError: No filter named '" + name + "'.");
            }
            fn = item -> apply(name, item, rest, k, f);
        }
        List<Object> items = Py.truthy(v) || v instanceof PyGenerator ? Py.iterate(v) : List.of();
        Iterator<Object> source = items.iterator();
        return new PyGenerator(new Iterator<>() {
            @Override
            public boolean hasNext() {
                return source.hasNext();
            }

            @Override
            public Object next() {
                return fn.apply(source.next());
            }
        });
    }

    private static Object selectOrReject(Object v, List<Object> a, Map<String, Object> k, Frame f, boolean select,
            boolean lookupAttr) {
        Function<Object, Object> trans = x -> x;
        int off = 0;
        if (lookupAttr) {
            if (a.isEmpty()) {
                throw new TemplateRuntimeException("TypeError: missing attribute argument");
            }
            trans = attrGetter(a.get(0), null, null);
            off = 1;
        }
        Function<Object, Boolean> test;
        if (a.size() > off) {
            String name = str(a.get(off));
            List<Object> rest = a.subList(off + 1, a.size());
            if (!Tests.exists(name)) {
                throw new TemplateRuntimeException("TemplateRuntimeError: No test named '" + name + "'.");
            }
            test = x -> Tests.apply(name, x, rest, k, f);
        } else {
            test = Py::truthy;
        }
        List<Object> items = Py.truthy(v) || v instanceof PyGenerator ? Py.iterate(v) : List.of();
        List<Object> kept = new ArrayList<>();
        for (Object item : items) {
            if (test.apply(trans.apply(item)) == select) {
                kept.add(item);
            }
        }
        return new PyGenerator(kept.iterator());
    }

    private static Object minMax(Object v, List<Object> a, Map<String, Object> k, boolean max) {
        Args args = new Args(max ? "max" : "min", a, k, "case_sensitive", "attribute");
        Function<Object, Object> key = attrGetter(args.get(1, null), null, args.bool(0, false) ? null
                : Filters::ignoreCase);
        List<Object> items = Py.iterate(v);
        if (items.isEmpty()) {
            return Undefined.hint("No aggregated item, sequence was empty.");
        }
        Object best = items.get(0);
        for (Object item : items.subList(1, items.size())) {
            int c = Py.compare(key.apply(item), key.apply(best), max ? ">" : "<");
            if (max ? c > 0 : c < 0) {
                best = item;
            }
        }
        return best;
    }

    private static Object round(Object v, List<Object> a, Map<String, Object> k, Frame f) {
        Args args = new Args("round", a, k, "precision", "method");
        int precision = (int) args.integer(0, 0);
        String method = args.string(1, "common");
        double d = Py.toDouble(v);
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return d;
        }
        RoundingMode mode = switch (method) {
            case "common" -> RoundingMode.HALF_EVEN;
            case "ceil" -> RoundingMode.CEILING;
            case "floor" -> RoundingMode.FLOOR;
            default -> throw new TemplateRuntimeException("FilterArgumentError: method must be common, ceil or "
                    + "floor");
        };
        if (!method.equals("common")) {
            double scale = Math.pow(10, precision);
            double r = mode == RoundingMode.CEILING ? Math.ceil(d * scale) : Math.floor(d * scale);
            return r / scale;
        }
        return new BigDecimal(d).setScale(precision, mode).doubleValue();
    }

    private static Object tojson(Object v, List<Object> a, Map<String, Object> k, Frame f) {
        Args args = new Args("tojson", a, k, "ensure_ascii", "indent", "separators", "sort_keys");
        Object indent = args.get(1, null);
        if (indent != null && !(indent instanceof String)) {
            RenderBudget.current().chars(Math.max(0, Py.toLong(indent)), "tojson's indentation");
        }
        String indentText = indent == null ? null : indent instanceof String s ? s
                : " ".repeat((int) Math.max(0, Py.toLong(indent)));
        String itemSep = null;
        String keySep = null;
        Object seps = args.get(2, null);
        if (seps != null) {
            List<Object> pair = Py.iterate(seps);
            if (pair.size() != 2) {
                throw new TemplateRuntimeException("ValueError: separators must be an (item_separator, "
                        + "key_separator) pair");
            }
            itemSep = str(pair.get(0));
            keySep = str(pair.get(1));
        }
        return new JsonDumps(args.bool(0, false), indentText, itemSep, keySep, args.bool(3, false)).dumps(v);
    }

    private static Object truncate(Object v, List<Object> a, Map<String, Object> k, Frame f) {
        Args args = new Args("truncate", a, k, "length", "killwords", "end", "leeway");
        String s = str(v);
        long length = args.integer(0, 255);
        String end = args.string(2, "...");
        long leeway = args.integer(3, 5);
        if (s.length() <= length + leeway) {
            return s;
        }
        String head = s.substring(0, (int) Math.max(0, length - end.length()));
        if (args.bool(1, false)) {
            return head + end;
        }
        int space = head.lastIndexOf(' ');
        return (space >= 0 ? head.substring(0, space) : head) + end;
    }

    private static Object unique(Object v, List<Object> a, Map<String, Object> k, Frame f) {
        Args args = new Args("unique", a, k, "case_sensitive", "attribute");
        Function<Object, Object> key = attrGetter(args.get(1, null), null, args.bool(0, false) ? null
                : Filters::ignoreCase);
        List<Object> seen = new ArrayList<>();
        List<Object> out = new ArrayList<>();
        for (Object item : Py.iterate(v)) {
            Object kv = key.apply(item);
            boolean dup = false;
            for (Object s : seen) {
                if (Py.eq(s, kv)) {
                    dup = true;
                    break;
                }
            }
            if (!dup) {
                seen.add(kv);
                out.add(item);
            }
        }
        return new PyGenerator(out.iterator());
    }

    private static Object batch(Object v, List<Object> a, Map<String, Object> k) {
        Args args = new Args("batch", a, k, "linecount", "fill_with");
        long n = args.integer(0, 1);
        if (n <= 0) {
            throw new TemplateRuntimeException("ValueError: linecount must be positive");
        }
        List<Object> items = Py.iterate(v);
        if (args.has(1)) {
            RenderBudget.current().items(n, "a row padded by batch");
        }
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i += (int) Math.min(n, Integer.MAX_VALUE)) {
            List<Object> row = new ArrayList<>(items.subList(i, (int) Math.min(items.size(), i + n)));
            if (row.size() < n && args.has(1)) {
                while (row.size() < n) {
                    row.add(args.get(1, null));
                }
            }
            out.add(row);
        }
        return new PyGenerator(out.iterator());
    }
}
