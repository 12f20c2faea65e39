package dev.finetune4j.checkpoint.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.finetune4j.checkpoint.AtomicFiles;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Writes safetensors files as the reference implementation does (docs/formats.md §2.3): tensors ordered by dtype (widest first, the
 * reference enum order descending) then by name, a compact JSON header with {@code __metadata__} first, padded with
 * spaces so the data starts 8-byte aligned. Files are written atomically (temp name, fsync, rename).
 */
public final class SafetensorsWriter {
    /** The metadata Hugging Face writes into model and adapter files. */
    public static final Map<String, String> PT_METADATA = Map.of("format", "pt");

    private static final JsonFactory JSON = new JsonFactory();

    private SafetensorsWriter() {
    }

    /** Writes the tensors (iteration order is irrelevant: the reference order is used) with optional metadata. */
    public static void write(Path file, Map<String, StoredTensor> tensors, Map<String, String> metadata) {
        AtomicFiles.write(file, ch -> writeTo(ch, tensors, metadata));
    }

    /** Writes the named tensors, fetching each once from {@code tensors}. */
    public static void write(Path file, List<String> names, Function<String, StoredTensor> tensors,
                             Map<String, String> metadata) {
        LinkedHashMap<String, StoredTensor> map = new LinkedHashMap<>();
        for (String n : names) {
            StoredTensor t = tensors.apply(n);
            if (t == null) {
                throw new IllegalArgumentException("no tensor supplied for '" + n + "'");
            }
            if (map.put(n, t) != null) {
                throw new IllegalArgumentException("tensor name '" + n + "' given twice");
            }
        }
        write(file, map, metadata);
    }

    /** Writes a complete safetensors image to a channel at its current position. */
    public static void writeTo(FileChannel ch, Map<String, StoredTensor> tensors, Map<String, String> metadata)
            throws IOException {
        List<Map.Entry<String, StoredTensor>> order = referenceOrder(tensors);
        byte[] header = header(order, metadata);
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
        AtomicFiles.writeFully(ch, len);
        AtomicFiles.writeFully(ch, ByteBuffer.wrap(header));
        for (Map.Entry<String, StoredTensor> e : order) {
            AtomicFiles.writeFully(ch, e.getValue().data());
        }
    }

    /** Total file size the writer produces for these tensors. */
    public static long fileSize(Map<String, StoredTensor> tensors, Map<String, String> metadata) {
        List<Map.Entry<String, StoredTensor>> order = referenceOrder(tensors);
        long data = 0;
        for (Map.Entry<String, StoredTensor> e : order) {
            data += e.getValue().byteSize();
        }
        return 8 + header(order, metadata).length + data;
    }

    static List<Map.Entry<String, StoredTensor>> referenceOrder(Map<String, StoredTensor> tensors) {
        List<Map.Entry<String, StoredTensor>> order = new ArrayList<>(tensors.entrySet());
        order.sort(Comparator.<Map.Entry<String, StoredTensor>>comparingInt(e -> -rank(e.getValue().dtype()))
                .thenComparing(Map.Entry::getKey));
        return order;
    }

    /** Position of the dtype in the reference Dtype enum (BOOL < U8 < I8 < I16 < F16 < BF16 < I32 < F32 < F64 < I64). */
    static int rank(DType d) {
        switch (d) {
            case BOOL: return 0;
            case UINT8: return 4;
            case INT8: return 5;
            case INT16: return 9;
            case FLOAT16: return 11;
            case BFLOAT16: return 12;
            case INT32: return 13;
            case FLOAT32: return 15;
            case FLOAT64: return 17;
            case INT64: return 18;
            default: throw new IllegalStateException(d.name());
        }
    }

    private static byte[] header(List<Map.Entry<String, StoredTensor>> order, Map<String, String> metadata) {
        StringWriter sw = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(sw)) {
            g.writeStartObject();
            if (metadata != null && !metadata.isEmpty()) {
                g.writeObjectFieldStart("__metadata__");
                for (Map.Entry<String, String> m : metadata.entrySet()) {
                    g.writeStringField(m.getKey(), m.getValue());
                }
                g.writeEndObject();
            }
            long offset = 0;
            for (Map.Entry<String, StoredTensor> e : order) {
                StoredTensor t = e.getValue();
                if (e.getKey().equals("__metadata__")) {
                    throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
                }
                g.writeObjectFieldStart(e.getKey());
                g.writeStringField("dtype", t.dtype().safetensorsName());
                g.writeArrayFieldStart("shape");
                for (long d : t.shape()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offset);
                offset += t.byteSize();
                g.writeNumber(offset);
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] json = sw.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }
}
