package dev.finetune4j.config;

import java.util.Set;

/** Where each key came from, for error messages: the config file, or {@code --set} for overridden keys. */
record ConfigOrigin(String file, Set<String> overriddenKeys) {

    ConfigOrigin {
        overriddenKeys = Set.copyOf(overriddenKeys);
    }

    /** {@code --set} when {@code key}, a parent or a child was overridden, else the file. */
    String of(String key) {
        for (String o : overriddenKeys) {
            if (o.equals(key) || key.startsWith(o + ".") || o.startsWith(key + ".")) {
                return "--set " + o;
            }
        }
        return file;
    }
}
