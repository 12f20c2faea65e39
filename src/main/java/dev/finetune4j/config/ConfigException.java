package dev.finetune4j.config;

/**
 * A run configuration that cannot be used: unreadable file, unknown key, wrong type or a value out of range.
 * The message names the source (file or {@code --set}), the dotted key and what is allowed.
 */
public class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final String key;

    /**
     * @param source the config file or {@code --set}; may be null for the whole configuration
     * @param key    the dotted key, or null when the problem is not about one key
     * @param detail what is wrong and what is allowed
     */
    public ConfigException(String source, String key, String detail) {
        super(format(source, key, detail));
        this.source = source;
        this.key = key;
    }

    /** Same, with the underlying cause (e.g. a YAML syntax error). */
    public ConfigException(String source, String key, String detail, Throwable cause) {
        super(format(source, key, detail), cause);
        this.source = source;
        this.key = key;
    }

    private static String format(String source, String key, String detail) {
        StringBuilder sb = new StringBuilder();
        if (source != null) {
            sb.append(source).append(": ");
        }
        if (key != null) {
            sb.append("key '").append(key).append("': ");
        }
        return sb.append(detail).toString();
    }

    /** The config file path or {@code --set}, or null. */
    public String source() {
        return source;
    }

    /** The dotted key path, or null. */
    public String key() {
        return key;
    }
}
