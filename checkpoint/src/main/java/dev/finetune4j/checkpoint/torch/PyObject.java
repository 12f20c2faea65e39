package dev.finetune4j.checkpoint.torch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An instance of an allow-listed plain data class (the dataclasses of a torch.distributed.checkpoint
 * {@code .metadata} file): its class and its attribute dict.
 */
public record PyObject(PyGlobal type, Map<String, Object> state) {
    public PyObject(PyGlobal type) {
        this(type, new LinkedHashMap<>());
    }

    public Object get(String attribute) {
        return state.get(attribute);
    }
}
