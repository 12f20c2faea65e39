package dev.finetune4j.checkpoint.inspect;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;

/**
 * One tensor of a checkpoint: its path from the root (dict keys and list indices joined with "."; the tensor name
 * for safetensors), torch dtype name, shape and the SHA-256 of its row-major little-endian element bytes.
 */
public record TensorSummary(String path, String dtype, long[] shape, String sha256) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public TensorSummary {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** {@code {"path":…,"dtype":…,"shape":[…],"sha256":…}} on one line. */
    public String toJsonLine() {
        ObjectNode n = JSON.createObjectNode();
        n.put("path", path);
        n.put("dtype", dtype);
        var a = n.putArray("shape");
        for (long d : shape) {
            a.add(d);
        }
        n.put("sha256", sha256);
        return n.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSummary t && t.path.equals(path) && t.dtype.equals(dtype)
                && Arrays.equals(t.shape, shape) && t.sha256.equals(sha256);
    }

    @Override
    public int hashCode() {
        return path.hashCode();
    }
}
