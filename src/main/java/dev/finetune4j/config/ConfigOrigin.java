package dev.finetune4j.config;

import java.util.Map;
import java.util.Set;

/**
 * Where each key came from, for error messages: {@code file:line} of the key (or of its nearest parent), the file
 * alone for missing keys, or {@code --set key} for overridden keys.
 */
record ConfigOrigin(String file, Set<String> overriddenKeys, Map<String, Integer> lines) {

    ConfigOrigin {
        overriddenKeys = Set.copyOf(overriddenKeys);
        lines = Map.copyOf(lines);
    }

    /** The source of {@code key}. */
    String of(String key) {
        for (String o : overriddenKeys) {
            if (o.equals(key) || key.startsWith(o + ".") || o.startsWith(key + ".")) {
                return "--set " + o;
            }
        }
        for (String k = key; k != null; k = k.contains(".") ? k.substring(0, k.lastIndexOf('.')) : null) {
            Integer line = lines.get(k);
            if (line != null) {
                return file + ":" + line;
            }
        }
        return file;
    }
}
