package dev.finetune4j.engine.model;

/** A model config.json (or model option) that cannot be used; the message names the key, value and what is allowed. */
public class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }
}
