package dev.finetune4j.run;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The few protobuf wire-format encodings the TensorBoard event file needs (varint, fixed32/64, bytes). */
final class Protobuf {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Protobuf tag(int field, int wireType) {
        return varint(((long) field << 3) | wireType);
    }

    Protobuf varint(long v) {
        long x = v;
        while ((x & ~0x7FL) != 0) {
            out.write((int) ((x & 0x7F) | 0x80));
            x >>>= 7;
        }
        out.write((int) x);
        return this;
    }

    Protobuf fixed64(int field, long bits) {
        tag(field, FIXED64);
        for (int i = 0; i < 8; i++) {
            out.write((int) (bits >>> (8 * i)) & 0xFF);
        }
        return this;
    }

    Protobuf fixed32(int field, int bits) {
        tag(field, FIXED32);
        for (int i = 0; i < 4; i++) {
            out.write((bits >>> (8 * i)) & 0xFF);
        }
        return this;
    }

    Protobuf doubleField(int field, double v) {
        return fixed64(field, Double.doubleToLongBits(v));
    }

    Protobuf floatField(int field, float v) {
        return fixed32(field, Float.floatToIntBits(v));
    }

    Protobuf int64Field(int field, long v) {
        return tag(field, VARINT).varint(v);
    }

    Protobuf bytesField(int field, byte[] b) {
        tag(field, LENGTH_DELIMITED).varint(b.length);
        out.write(b, 0, b.length);
        return this;
    }

    Protobuf stringField(int field, String s) {
        return bytesField(field, s.getBytes(StandardCharsets.UTF_8));
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
