package dev.finetune4j.checkpoint.torch;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor as torch.save describes it: a view (offset, shape, stride in elements) into a storage that other
 * tensors may share. {@link #toStored()} makes it contiguous — a zero-copy slice when the view already is.
 *
 * @param storage the storage record's bytes (may be a memory-mapped slice)
 * @param storageKey the storage's record key ({@code data/<key>})
 * @param storageClass the pickled storage class name, e.g. "FloatStorage"
 * @param dtype element type
 * @param storageNumel elements in the whole storage
 * @param offset storage offset of element 0, in elements
 * @param shape view shape
 * @param stride view strides, in elements
 * @param requiresGrad the pickled requires_grad flag
 * @param parameter whether it was pickled as an {@code nn.Parameter}
 */
public record TorchTensor(ByteBuffer storage, String storageKey, String storageClass, DType dtype, long storageNumel,
                          long offset, long[] shape, long[] stride, boolean requiresGrad, boolean parameter) {

    /** Largest contiguous copy made of a broadcast (stride-0) view that is bigger than its storage. */
    static final long MAX_EXPANDED_BYTES = 256L << 20;

    public TorchTensor {
        shape = shape.clone();
        stride = stride.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public long[] stride() {
        return stride.clone();
    }

    /** Validates that the view stays inside its storage; {@code source} names the file in errors. */
    public void checkBounds(String source) {
        if (shape.length != stride.length) {
            throw CheckpointFormatException.of(source, "tensor on storage '" + storageKey + "' has shape "
                    + Arrays.toString(shape) + " but stride " + Arrays.toString(stride));
        }
        long numel = 1;
        long last = offset;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 || stride[i] < 0) {
                throw CheckpointFormatException.of(source, "tensor on storage '" + storageKey
                        + "' has a negative size or stride: shape " + Arrays.toString(shape) + " stride "
                        + Arrays.toString(stride));
            }
            try {
                numel = Math.multiplyExact(numel, shape[i]);
                if (shape[i] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
                }
            } catch (ArithmeticException e) {
                throw CheckpointFormatException.of(source, "tensor on storage '" + storageKey + "' has a shape "
                        + Arrays.toString(shape) + " whose size overflows");
            }
        }
        if (offset < 0 || (numel > 0 && last >= storageNumel)) {
            throw CheckpointFormatException.of(source, "tensor view (offset " + offset + ", shape "
                    + Arrays.toString(shape) + ", stride " + Arrays.toString(stride) + ") reaches past the end of "
                    + "storage '" + storageKey + "' of " + storageNumel + " elements");
        }
    }

    public long numel() {
        return StoredTensor.numel(shape);
    }

    /** Whether the view is row-major contiguous (size-1 dimensions may have any stride). */
    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return shape[i] == 0 || numel() == 0;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** The elements in row-major order as a {@link StoredTensor}; a slice of the storage when contiguous. */
    public StoredTensor toStored() {
        int es = dtype.byteSize();
        long n = numel();
        if (n * es > Integer.MAX_VALUE) {
            throw new CheckpointFormatException("tensor of shape " + Arrays.toString(shape)
                    + " is 2 GiB or larger; not supported");
        }
        if (n == 0) {
            return new StoredTensor(dtype, shape, ByteBuffer.allocate(0));
        }
        if (n > storageNumel && n * es > MAX_EXPANDED_BYTES) {
            throw new CheckpointFormatException("tensor view of shape " + Arrays.toString(shape) + " with stride "
                    + Arrays.toString(stride) + " expands storage '" + storageKey + "' of " + storageNumel
                    + " elements to " + n * es + " bytes; refusing (limit " + MAX_EXPANDED_BYTES + ")");
        }
        if (isContiguous()) {
            ByteBuffer s = storage.duplicate();
            s.position(Math.toIntExact(offset * es)).limit(Math.toIntExact((offset + n) * es));
            return new StoredTensor(dtype, shape, s.slice());
        }
        ByteBuffer src = storage.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        byte[] out = new byte[(int) (n * es)];
        int rank = shape.length;
        // copy runs along the last dimension when it is dense (e.g. a narrowed or permuted-outer view)
        long run = stride[rank - 1] == 1 ? shape[rank - 1] : 1;
        int outer = run == 1 ? rank : rank - 1;
        long[] idx = new long[rank];
        long pos = offset;
        int runBytes = (int) (run * es);
        for (long k = 0; k < n; k += run) {
            src.get(Math.toIntExact(pos * es), out, (int) (k * es), runBytes);
            for (int d = outer - 1; d >= 0; d--) {
                idx[d]++;
                pos += stride[d];
                if (idx[d] < shape[d]) {
                    break;
                }
                pos -= stride[d] * shape[d];
                idx[d] = 0;
            }
        }
        return new StoredTensor(dtype, shape, ByteBuffer.wrap(out));
    }

    @Override
    public String toString() {
        return "TorchTensor[" + dtype.torchName() + Arrays.toString(shape) + " stride " + Arrays.toString(stride)
                + " @" + offset + " of '" + storageKey + "']";
    }
}
