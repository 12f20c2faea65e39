package dev.finetune4j.checkpoint.torch;

import java.util.Arrays;

/**
 * A numpy array as pickled by {@code numpy.core.multiarray._reconstruct} (Composer keeps the numpy RNG state this
 * way).
 *
 * @param dtype numpy type string with byte order, e.g. {@code "<u4"}, {@code "|u1"}, {@code "<f8"}
 * @param shape array shape
 * @param fortranOrder whether {@code data} is column-major
 * @param data the raw element bytes
 */
public record NumpyArray(String dtype, long[] shape, boolean fortranOrder, byte[] data) {
    public NumpyArray {
        shape = shape.clone();
        data = data.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NumpyArray a && a.dtype.equals(dtype) && Arrays.equals(a.shape, shape)
                && a.fortranOrder == fortranOrder && Arrays.equals(a.data, data);
    }

    @Override
    public int hashCode() {
        return dtype.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "NumpyArray[" + dtype + Arrays.toString(shape) + "]";
    }
}
