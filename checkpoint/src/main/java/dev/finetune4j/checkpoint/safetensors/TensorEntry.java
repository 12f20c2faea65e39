package dev.finetune4j.checkpoint.safetensors;

import dev.finetune4j.checkpoint.DType;

/**
 * One tensor of a safetensors header: name, dtype, shape and its byte range {@code [begin, end)} relative to the
 * start of the data buffer.
 */
public record TensorEntry(String name, DType dtype, long[] shape, long begin, long end) {
    public TensorEntry {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long byteSize() {
        return end - begin;
    }
}
