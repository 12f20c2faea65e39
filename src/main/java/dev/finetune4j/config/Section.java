package dev.finetune4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.data.TaskType;
import dev.finetune4j.engine.schedule.Time;
import dev.finetune4j.engine.schedule.TimeFormatException;
import dev.finetune4j.engine.schedule.TimeUnit;
import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Typed reading of one mapping of the configuration tree. Unknown keys are rejected when the section is opened
 * (with a "did you mean"), so a misspelt key is reported as such and not as a missing one. Values given as text
 * that read as numbers are numbers (YAML reads {@code 5e-7} as text).
 */
final class Section {
    private final ObjectNode node;
    private final String prefix;
    private final ConfigOrigin origin;

    Section(ObjectNode node, String prefix, ConfigOrigin origin, List<String> known, List<String> allDotted) {
        this.node = node;
        this.prefix = prefix;
        this.origin = origin;
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) {
                String dotted = key(k);
                List<String> candidates = new ArrayList<>();
                known.forEach(kk -> candidates.add(key(kk)));
                candidates.addAll(allDotted);
                String hint = KeySuggestions.closest(dotted, candidates)
                        .map(s -> "did you mean '" + s + "'? ")
                        .orElse("");
                throw new ConfigException(origin.of(dotted), dotted, "unknown key; " + hint + "allowed keys"
                        + (prefix.isEmpty() ? "" : " in '" + prefix + "'") + ": " + String.join(", ", known));
            }
        }
    }

    String key(String k) {
        return prefix.isEmpty() ? k : prefix + "." + k;
    }

    ConfigException error(String k, String detail) {
        return new ConfigException(origin.of(key(k)), key(k), detail);
    }

    /** The value, or null when absent or YAML null. */
    JsonNode raw(String k) {
        JsonNode v = node.get(k);
        return v == null || v.isNull() || v.isMissingNode() ? null : v;
    }

    boolean has(String k) {
        return raw(k) != null;
    }

    String string(String k, String def) {
        JsonNode v = raw(k);
        if (v == null) {
            return def;
        }
        if (!v.isValueNode() || v.isBinary()) {
            throw error(k, "expected a text value, got " + describe(v));
        }
        String s = v.asText();
        if (s.isBlank()) {
            throw error(k, "must not be empty");
        }
        return s;
    }

    String requiredString(String k) {
        String s = string(k, null);
        if (s == null) {
            throw new ConfigException(origin.of(key(k)), key(k), "is required but missing");
        }
        return s;
    }

    String choice(String k, List<String> allowed, String def) {
        String s = string(k, def);
        if (s == null) {
            return null;
        }
        String lower = s.toLowerCase(Locale.ROOT);
        if (!allowed.contains(lower)) {
            throw error(k, "'" + s + "' is not allowed; allowed values: " + String.join(", ", allowed));
        }
        return lower;
    }

    <E extends Enum<E>> E enumValue(String k, Class<E> type, E def) {
        String s = string(k, null);
        if (s == null) {
            return def;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(s)) {
                return e;
            }
        }
        throw error(k, "'" + s + "' is not allowed; allowed values: " + Arrays.stream(type.getEnumConstants())
                .map(Enum::name).map(n -> type == TaskType.class ? n : n.toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", ")));
    }

    boolean bool(String k, boolean def) {
        JsonNode v = raw(k);
        if (v == null) {
            return def;
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isTextual() && (v.asText().equalsIgnoreCase("true") || v.asText().equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(v.asText().toLowerCase(Locale.ROOT));
        }
        throw error(k, "expected true or false, got " + describe(v));
    }

    /** A number, or null when absent. */
    Double number(String k) {
        JsonNode v = raw(k);
        if (v == null) {
            return null;
        }
        return number(k, v);
    }

    private double number(String k, JsonNode v) {
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isTextual()) {
            try {
                double d = Double.parseDouble(v.asText().strip().replace("_", ""));
                if (Double.isFinite(d)) {
                    return d;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw error(k, "expected a number, got " + describe(v));
    }

    /** A number in a range; {@code lo}/{@code hi} inclusive unless the flags say otherwise. */
    double number(String k, double def, double lo, boolean loOpen, double hi, boolean hiOpen) {
        Double d = number(k);
        double v = d == null ? def : d;
        if (d != null) {
            checkRange(k, v, lo, loOpen, hi, hiOpen);
        }
        return v;
    }

    Double optionalNumber(String k, double lo, boolean loOpen, double hi, boolean hiOpen) {
        Double d = number(k);
        if (d != null) {
            checkRange(k, d, lo, loOpen, hi, hiOpen);
        }
        return d;
    }

    void checkRange(String k, double v, double lo, boolean loOpen, double hi, boolean hiOpen) {
        boolean ok = (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
        if (!ok) {
            throw error(k, "value " + fmt(v) + " is out of range; allowed: " + range(lo, loOpen, hi, hiOpen));
        }
    }

    static String range(double lo, boolean loOpen, double hi, boolean hiOpen) {
        if (hi == Double.POSITIVE_INFINITY) {
            return (loOpen ? "> " : ">= ") + fmt(lo);
        }
        return (loOpen ? "(" : "[") + fmt(lo) + ", " + fmt(hi) + (hiOpen ? ")" : "]");
    }

    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** An integer, or null when absent. */
    Long integer(String k) {
        JsonNode v = raw(k);
        if (v == null) {
            return null;
        }
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return v.longValue();
        }
        String text = v.isNumber() ? v.asText() : v.isTextual() ? v.asText().strip().replace("_", "") : null;
        if (text != null) {
            try {
                BigDecimal b = new BigDecimal(text);
                return b.longValueExact();
            } catch (NumberFormatException | ArithmeticException e) {
                // reported below
            }
        }
        throw error(k, "expected a whole number, got " + describe(v));
    }

    long integer(String k, long def, long lo, long hi) {
        Long v = integer(k);
        if (v == null) {
            return def;
        }
        checkRange(k, v, lo, hi);
        return v;
    }

    Long optionalInteger(String k, long lo, long hi) {
        Long v = integer(k);
        if (v != null) {
            checkRange(k, v, lo, hi);
        }
        return v;
    }

    private void checkRange(String k, long v, long lo, long hi) {
        if (v < lo || v > hi) {
            throw error(k, "value " + v + " is out of range; allowed: "
                    + (hi >= Integer.MAX_VALUE ? ">= " + lo : "[" + lo + ", " + hi + "]"));
        }
    }

    List<String> strings(String k, List<String> def) {
        JsonNode v = raw(k);
        if (v == null) {
            return def;
        }
        if (!v.isArray()) {
            throw error(k, "expected a list of strings, got " + describe(v));
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (e == null || !e.isValueNode() || e.isNull()) {
                throw error(k, "item " + i + " must be a string, got " + describe(e));
            }
            out.add(e.asText());
        }
        return out;
    }

    List<Double> numbers(String k, List<Double> def) {
        JsonNode v = raw(k);
        if (v == null) {
            return def;
        }
        if (!v.isArray()) {
            throw error(k, "expected a list of numbers, got " + describe(v));
        }
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            out.add(number(k, v.get(i)));
        }
        return out;
    }

    /**
     * A time string. Whole numbers are epochs where Composer's default unit is epochs ({@code intIsEpochs});
     * text must carry a unit (a bare "5" would be 50 seconds in Composer).
     */
    Time time(String k, String def, Set<TimeUnit> allowed, boolean intIsEpochs) {
        JsonNode v = raw(k);
        Time t;
        String units = allowed.stream().map(TimeUnit::symbol).collect(Collectors.joining(", "));
        if (v == null) {
            t = Time.parse(def);
        } else if (v.isIntegralNumber() && intIsEpochs) {
            t = Time.of(v.longValue(), TimeUnit.EPOCH);
        } else if (v.isTextual()) {
            String s = v.asText().strip();
            if (s.matches("[-+]?[0-9._eE+-]*")) {
                throw error(k, "'" + s + "' has no unit; write e.g. " + s + allowed.iterator().next().symbol()
                        + " (allowed units: " + units + ")");
            }
            try {
                t = Time.parse(s);
            } catch (TimeFormatException e) {
                throw error(k, e.getMessage() + "; allowed units here: " + units);
            }
        } else {
            throw error(k, "expected a time string such as 500ba, 1ep or 0.02dur, got " + describe(v));
        }
        if (!allowed.contains(t.unit())) {
            throw error(k, "unit '" + t.unit().symbol() + "' is not allowed here; allowed units: " + units);
        }
        if (t.value() < 0) {
            throw error(k, "must not be negative, got " + t);
        }
        return t;
    }

    Path path(String k, Path baseDir) {
        String s = string(k, null);
        if (s == null) {
            return null;
        }
        try {
            String expanded = s.startsWith("~/") ? System.getProperty("user.home") + s.substring(1) : s;
            return baseDir.resolve(expanded).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw error(k, "'" + s + "' is not a valid path: " + e.getReason());
        }
    }

    /** A nested mapping, or null when absent. */
    ObjectNode mapping(String k) {
        JsonNode v = raw(k);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            throw error(k, "expected a mapping of keys, got " + describe(v));
        }
        return (ObjectNode) v;
    }

    static String describe(JsonNode v) {
        if (v == null || v.isNull()) {
            return "null";
        }
        if (v.isTextual()) {
            return "'" + v.asText() + "'";
        }
        if (v.isObject()) {
            return "a mapping";
        }
        return v.toString();
    }
}
