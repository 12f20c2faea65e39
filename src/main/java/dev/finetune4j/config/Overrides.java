package dev.finetune4j.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Applies {@code --set key=value} overrides to the configuration tree; values are read as YAML. */
final class Overrides {
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");

    private Overrides() {
    }

    /**
     * Sets each override in {@code root} (creating nested mappings) and returns the dotted keys that were set.
     *
     * @throws ConfigException for malformed overrides, naming the override
     */
    static Set<String> apply(ObjectNode root, List<String> overrides, YAMLMapper yaml) {
        Set<String> keys = new LinkedHashSet<>();
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--set " + o, null, "expected key=value, e.g. --set lora.r=16 or"
                        + " --set optimizer.betas=[0.9,0.95]");
            }
            String key = o.substring(0, eq).strip();
            String text = o.substring(eq + 1);
            if (!KEY.matcher(key).matches()) {
                throw new ConfigException("--set " + o, null, "'" + key + "' is not a key; use snake_case names"
                        + " joined by dots, e.g. scheduler.t_warmup");
            }
            JsonNode value;
            try {
                value = text.isBlank() ? NullNode.getInstance() : yaml.readTree(text);
            } catch (JsonProcessingException e) {
                throw new ConfigException("--set " + key, key, "value '" + text + "' is not valid YAML: "
                        + e.getOriginalMessage(), e);
            }
            if (value == null || value.isMissingNode()) {
                value = NullNode.getInstance();
            }
            String[] parts = key.split("\\.");
            ObjectNode parent = root;
            StringBuilder path = new StringBuilder();
            for (int i = 0; i < parts.length - 1; i++) {
                path.append(i == 0 ? "" : ".").append(parts[i]);
                JsonNode child = parent.get(parts[i]);
                if (child == null || child.isNull()) {
                    parent = parent.putObject(parts[i]);
                } else if (child.isObject()) {
                    parent = (ObjectNode) child;
                } else {
                    throw new ConfigException("--set " + key, key, "cannot set it because '" + path
                            + "' is not a mapping (it is " + Section.describe(child) + ")");
                }
            }
            parent.set(parts[parts.length - 1], value);
            keys.add(key);
        }
        return keys;
    }
}
