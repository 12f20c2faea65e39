package dev.finetune4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The key names SageMaker JumpStart hyper-parameters and Nova recipes use for settings this configuration names
 * differently (docs/configuration.md "Aliases"). Each alias found at the top level of the tree is rewritten to its
 * canonical key before binding, with a one-line note naming the canonical key. The same setting given under two
 * names is an error naming both; a {@code --set} override wins over the file (that is what it is for).
 */
final class KeyAliases {

    /** How an alias value becomes the canonical value; null when the alias sets nothing (e.g. {@code -1}). */
    private interface Conversion {
        JsonNode apply(Alias alias, JsonNode value, ConfigOrigin origin);
    }

    /** One alias: its name, the dotted canonical key and the value conversion. */
    private record Alias(String name, String canonical, Conversion conversion) {
    }

    private static final List<Alias> ALIASES = List.of(
            new Alias("epoch", "training_duration", (a, v, o) -> count(a, v, o, "ep", false)),
            new Alias("max_epochs", "training_duration", (a, v, o) -> count(a, v, o, "ep", false)),
            new Alias("max_steps", "training_duration", (a, v, o) -> count(a, v, o, "ba", true)),
            new Alias("lora_r", "lora.r", KeyAliases::same),
            new Alias("lora_alpha", "lora.alpha", KeyAliases::same),
            new Alias("lora_dropout", "lora.dropout", KeyAliases::same),
            new Alias("per_device_train_batch_size", "micro_batch_size", KeyAliases::same),
            new Alias("per_device_eval_batch_size", "eval_batch_size", KeyAliases::same),
            new Alias("max_input_length", "context_length", KeyAliases::same),
            new Alias("max_length", "context_length", KeyAliases::same),
            new Alias("instruction_tuned", "task_type", (a, v, o) -> flag(a, v, o, "INSTRUCTION_FINETUNE")),
            new Alias("chat_dataset", "task_type", (a, v, o) -> flag(a, v, o, "CHAT_COMPLETION")),
            new Alias("learning_rate_warmup_steps", "scheduler.t_warmup", (a, v, o) -> count(a, v, o, "ba", false)),
            new Alias("warmup_steps", "scheduler.t_warmup", (a, v, o) -> count(a, v, o, "ba", false)));

    /** Canonical keys that an alias can collide with besides its own canonical key. */
    private static final Map<String, List<String>> SAME_SETTING = Map.of(
            "scheduler.t_warmup", List.of("scheduler.t_warmup", "scheduler.warmup_steps"));

    private KeyAliases() {
    }

    /** The alias names, for the unknown-key suggestions. */
    static List<String> names() {
        return ALIASES.stream().map(Alias::name).toList();
    }

    /**
     * Rewrites every alias in {@code root} to its canonical key and returns the origin with the canonical keys
     * located where their aliases were (so later errors name the alias's line or {@code --set}).
     *
     * @param notes receives one line per alias read
     * @throws ConfigException when two names give the same setting, or an alias value cannot be converted
     */
    static ConfigOrigin apply(ObjectNode root, ConfigOrigin origin, Consumer<String> notes) {
        // canonical key -> the names giving it, in file order: canonical first if present
        Map<String, List<String>> givers = new LinkedHashMap<>();
        for (Alias a : ALIASES) {
            if (root.has(a.name())) {
                givers.computeIfAbsent(a.canonical(), k -> new ArrayList<>(present(root, k))).add(a.name());
            }
        }
        if (givers.isEmpty()) {
            return origin;
        }
        Map<String, Integer> lines = new HashMap<>(origin.lines());
        Set<String> overridden = new HashSet<>(origin.overriddenKeys());
        for (Map.Entry<String, List<String>> e : givers.entrySet()) {
            String canonical = e.getKey();
            List<String> names = e.getValue();
            List<String> winners = winners(names, origin);
            if (winners.size() > 1 && !isTaskFlags(winners)) {
                String first = winners.get(0);
                String second = winners.get(1);
                throw new ConfigException(origin.of(second), second, "gives the same setting as '" + first + "' ("
                        + origin.of(first) + "); " + (isAlias(second) ? "'" + second + "' is an alias of '"
                        + canonical + "'; " : "") + "give only one of them");
            }
            for (String n : names) {
                if (!winners.contains(n)) {
                    notes.accept("note: " + origin.of(n) + ": '" + n + "' is overridden by " + origin.of(winners.get(0)));
                }
            }
            JsonNode value = null;
            String from = null;
            for (String w : winners) {
                if (!isAlias(w)) {
                    continue;
                }
                JsonNode converted = alias(w).conversion().apply(alias(w), root.get(w), origin);
                if (converted != null && value != null && !converted.equals(value)) {
                    throw new ConfigException(origin.of(w), w, "contradicts '" + from + "' (" + origin.of(from)
                            + "): they give " + canonical + " " + value.asText() + " and " + converted.asText());
                }
                if (converted != null) {
                    value = converted;
                    from = w;
                }
            }
            if (value == null && isTaskFlags(winners)) {
                value = TextNode.valueOf("CONTINUED_PRETRAIN"); // both flags false: SageMaker's domain adaptation
                from = winners.get(0);
            }
            for (String w : winners) {
                if (isAlias(w)) {
                    boolean sets = value != null && (w.equals(from)
                            || isTaskFlags(winners) && value.asText().equals("CONTINUED_PRETRAIN"));
                    notes.accept("note: " + origin.of(w) + ": '" + w + "' is read as '" + canonical + "'"
                            + (sets ? ": " + canonical + ": " + value.asText()
                            : " and sets nothing here (" + w + ": " + root.get(w) + ")"));
                }
            }
            for (String n : names) {
                if (isAlias(n)) {
                    root.remove(n);
                }
            }
            if (value != null && isAlias(winners.get(0))) {
                set(root, canonical, value);
                if (isOverridden(from, origin)) {
                    overridden.add(canonical);
                } else if (origin.lines().containsKey(from)) {
                    lines.put(canonical, origin.lines().get(from));
                }
            }
        }
        return new ConfigOrigin(origin.file(), overridden, lines);
    }

    /** The names that count: {@code --set} ones when any was given that way, else all. */
    private static List<String> winners(List<String> names, ConfigOrigin origin) {
        List<String> set = names.stream().filter(n -> isOverridden(n, origin)).toList();
        return set.isEmpty() ? names : set;
    }

    private static boolean isOverridden(String key, ConfigOrigin origin) {
        return origin.of(key).startsWith("--set ");
    }

    /**
     * {@code instruction_tuned}/{@code chat_dataset} together are SageMaker's way to say one task type (at most one
     * true, both false = domain adaptation), not a conflict; the conversion reports a contradiction.
     */
    private static boolean isTaskFlags(List<String> names) {
        return names.stream().allMatch(n -> n.equals("instruction_tuned") || n.equals("chat_dataset"));
    }

    private static List<String> present(ObjectNode root, String canonical) {
        List<String> out = new ArrayList<>();
        for (String k : SAME_SETTING.getOrDefault(canonical, List.of(canonical))) {
            if (get(root, k) != null) {
                out.add(k);
            }
        }
        return out;
    }

    private static boolean isAlias(String name) {
        return ALIASES.stream().anyMatch(a -> a.name().equals(name));
    }

    private static Alias alias(String name) {
        return ALIASES.stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
    }

    private static JsonNode get(ObjectNode root, String dotted) {
        JsonNode n = root;
        for (String part : dotted.split("\\.")) {
            n = n == null || !n.isObject() ? null : n.get(part);
        }
        return n == null || n.isNull() ? null : n;
    }

    private static void set(ObjectNode root, String dotted, JsonNode value) {
        String[] parts = dotted.split("\\.");
        ObjectNode parent = root;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = parent.get(parts[i]);
            if (child == null || child.isNull()) {
                parent = parent.putObject(parts[i]);
            } else if (child instanceof ObjectNode o) {
                parent = o;
            } else {
                return; // the binder reports that the block is not a mapping
            }
        }
        parent.set(parts[parts.length - 1], value);
    }

    private static JsonNode same(Alias a, JsonNode v, ConfigOrigin origin) {
        return v;
    }

    /** A whole number of epochs/batches as a time string; {@code -1} (HF's "not set") sets nothing where allowed. */
    private static JsonNode count(Alias a, JsonNode v, ConfigOrigin origin, String unit, boolean minusOneUnset) {
        Long n = null;
        if (v != null && (v.isNumber() || v.isTextual())) {
            try {
                n = new BigDecimal(v.asText().strip()).longValueExact();
            } catch (NumberFormatException | ArithmeticException e) {
                n = null;
            }
        }
        if (n != null && n == -1 && minusOneUnset) {
            return null;
        }
        boolean warmup = unit.equals("ba") && !minusOneUnset;
        if (n == null || n < (warmup ? 0 : 1)) {
            throw new ConfigException(origin.of(a.name()), a.name(), "expected a whole number " + (warmup ? ">= 0"
                    : ">= 1") + (minusOneUnset ? " (or -1: not set)" : "") + " (it is read as '" + a.canonical()
                    + ": N" + unit + "'), got " + Section.describe(v));
        }
        return TextNode.valueOf(n + unit);
    }

    /** {@code true} selects the task type; {@code false} alone sets nothing (both false: domain adaptation). */
    private static JsonNode flag(Alias a, JsonNode v, ConfigOrigin origin, String taskType) {
        String s = v == null ? "" : v.asText().toLowerCase(Locale.ROOT);
        if (v != null && (v.isBoolean() || v.isTextual()) && (s.equals("true") || s.equals("false"))) {
            return s.equals("true") ? TextNode.valueOf(taskType) : null;
        }
        throw new ConfigException(origin.of(a.name()), a.name(), "expected true or false (true is read as"
                + " 'task_type: " + taskType + "'), got " + Section.describe(v));
    }
}
