package dev.finetune4j.checkpoint.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file, validated and memory-mapped (docs/formats.md §2.2). The header must be at most 100 MB of
 * UTF-8 JSON starting with '{'; every tensor needs a known dtype, a non-negative shape and
 * {@code data_offsets} whose length matches; the tensors must cover the data buffer with no hole or overlap and the
 * file must end exactly where the buffer does. Tensors are slices of the mapping: nothing is copied onto the heap.
 */
public final class SafetensorsFile implements TensorSource {
    /** Largest header accepted, as in the reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

    private final String source;
    private final Map<String, String> metadata;
    private final Map<String, TensorEntry> entries;
    private final Map<String, StoredTensor> tensors;
    private final Path path;
    private final long dataStart;

    private SafetensorsFile(String source, Map<String, String> metadata, Map<String, TensorEntry> entries,
                            Map<String, StoredTensor> tensors, Path path, long dataStart) {
        this.source = source;
        this.metadata = metadata;
        this.entries = entries;
        this.tensors = tensors;
        this.path = path;
        this.dataStart = dataStart;
    }

    /** Opens and validates a file; the tensors are slices of a read-only memory mapping. */
    public static SafetensorsFile open(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            String src = file.toString();
            if (size < 8) {
                throw CheckpointFormatException.of(src, "file is " + size + " bytes, too short for a safetensors "
                        + "header (needs at least 8)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.getLong(0);
            checkHeaderLength(src, n, size);
            ByteBuffer header = ByteBuffer.allocate((int) n);
            readFully(ch, header, 8);
            header.flip();
            Parsed p = parseHeader(src, header, size - 8 - n);
            long dataStart = 8 + n;
            long dataLen = size - dataStart;
            Map<String, StoredTensor> tensors = new LinkedHashMap<>();
            if (dataLen <= Integer.MAX_VALUE) {
                ByteBuffer data = ch.map(FileChannel.MapMode.READ_ONLY, dataStart, dataLen);
                for (TensorEntry e : p.entries.values()) {
                    tensors.put(e.name(), slice(data, e));
                }
            } else {
                for (TensorEntry e : p.entries.values()) {
                    if (e.byteSize() > Integer.MAX_VALUE) {
                        throw CheckpointFormatException.of(src, "tensor '" + e.name() + "' has " + e.byteSize()
                                + " bytes; tensors of 2 GiB or more are not supported");
                    }
                    ByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.byteSize());
                    tensors.put(e.name(), new StoredTensor(e.dtype(), e.shape(), m));
                }
            }
            return new SafetensorsFile(src, p.metadata, p.entries, Collections.unmodifiableMap(tensors), file,
                    dataStart);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses and validates a whole safetensors file held in memory; {@code source} names it in errors. */
    public static SafetensorsFile parse(ByteBuffer whole, String source) {
        ByteBuffer b = whole.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long size = b.remaining();
        if (size < 8) {
            throw CheckpointFormatException.of(source, "file is " + size + " bytes, too short for a safetensors "
                    + "header (needs at least 8)");
        }
        int base = b.position();
        long n = b.getLong(base);
        checkHeaderLength(source, n, size);
        ByteBuffer header = b.duplicate().position(base + 8).limit(base + 8 + (int) n).slice();
        Parsed p = parseHeader(source, header, size - 8 - n);
        ByteBuffer data = b.duplicate().position(base + 8 + (int) n).slice();
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        for (TensorEntry e : p.entries.values()) {
            tensors.put(e.name(), slice(data, e));
        }
        return new SafetensorsFile(source, p.metadata, p.entries, Collections.unmodifiableMap(tensors), null, 0);
    }

    private static StoredTensor slice(ByteBuffer data, TensorEntry e) {
        ByteBuffer s = data.duplicate().position((int) e.begin()).limit((int) e.end()).slice();
        return new StoredTensor(e.dtype(), e.shape(), s);
    }

    private static void checkHeaderLength(String src, long n, long size) {
        if (n < 2 || n > MAX_HEADER_BYTES) {
            throw CheckpointFormatException.of(src, "header length " + Long.toUnsignedString(n)
                    + " is outside the allowed 2.." + MAX_HEADER_BYTES + " bytes");
        }
        if (8 + n > size) {
            throw CheckpointFormatException.of(src, "header length " + n + " runs past the end of the file ("
                    + size + " bytes); the file is truncated");
        }
    }

    private record Parsed(Map<String, String> metadata, Map<String, TensorEntry> entries) {
    }

    private static Parsed parseHeader(String src, ByteBuffer header, long dataLen) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(header).toString();
        } catch (CharacterCodingException e) {
            throw CheckpointFormatException.of(src, "header is not valid UTF-8");
        }
        if (!text.startsWith("{")) {
            throw CheckpointFormatException.of(src, "header does not start with '{'");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (IOException e) {
            throw CheckpointFormatException.of(src, "header is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw CheckpointFormatException.of(src, "header is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorEntry> list = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals("__metadata__")) {
                readMetadata(src, f.getValue(), metadata);
            } else {
                list.add(readEntry(src, f.getKey(), f.getValue()));
            }
        }
        list.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
        long expected = 0;
        for (TensorEntry e : list) {
            if (e.begin() != expected) {
                throw CheckpointFormatException.of(src, "tensor '" + e.name() + "' starts at byte " + e.begin()
                        + " of the data buffer but the previous tensor ends at " + expected
                        + (e.begin() > expected ? " (a hole)" : " (an overlap)"));
            }
            expected = e.end();
        }
        if (expected != dataLen) {
            throw CheckpointFormatException.of(src, "the tensors cover " + expected + " bytes but the data buffer "
                    + "has " + dataLen + " (file size must be 8 + header + " + expected + ")");
        }
        Map<String, TensorEntry> entries = new LinkedHashMap<>();
        for (TensorEntry e : list) {
            entries.put(e.name(), e);
        }
        return new Parsed(Collections.unmodifiableMap(metadata), Collections.unmodifiableMap(entries));
    }

    private static void readMetadata(String src, JsonNode node, Map<String, String> out) {
        if (!node.isObject()) {
            throw CheckpointFormatException.of(src, "__metadata__ must be an object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw CheckpointFormatException.of(src, "__metadata__ value of '" + m.getKey() + "' is not a string");
            }
            out.put(m.getKey(), m.getValue().asText());
        }
    }

    private static TensorEntry readEntry(String src, String name, JsonNode node) {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw CheckpointFormatException.of(src, where + " is not an object");
        }
        JsonNode dt = node.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw CheckpointFormatException.of(src, where + " has no string 'dtype'");
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensorsName(dt.asText());
        } catch (IllegalArgumentException e) {
            throw CheckpointFormatException.of(src, where + ": " + e.getMessage());
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw CheckpointFormatException.of(src, where + " has no 'shape' array");
        }
        long[] shape = new long[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToExactIntegral() || !d.canConvertToLong() || d.asLong() < 0) {
                throw CheckpointFormatException.of(src, where + " has an invalid dimension " + d + " in 'shape'");
            }
            shape[i] = d.asLong();
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException e) {
                throw CheckpointFormatException.of(src, where + " has a shape whose size overflows");
            }
        }
        JsonNode off = node.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2) {
            throw CheckpointFormatException.of(src, where + " needs 'data_offsets' [begin, end]");
        }
        for (JsonNode o : off) {
            if (!o.canConvertToExactIntegral() || !o.canConvertToLong() || o.asLong() < 0) {
                throw CheckpointFormatException.of(src, where + " has an invalid offset " + o);
            }
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (end < begin) {
            throw CheckpointFormatException.of(src, where + " has data_offsets [" + begin + ", " + end
                    + "] with end before begin");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(numel, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw CheckpointFormatException.of(src, where + " has a shape whose byte size overflows");
        }
        if (end - begin != bytes) {
            throw CheckpointFormatException.of(src, where + " spans " + (end - begin) + " bytes but dtype "
                    + dtype.safetensorsName() + " and shape " + shapeNode + " need " + bytes);
        }
        return new TensorEntry(name, dtype, shape, begin, end);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += r;
        }
    }

    /** The file name or label this was read from. */
    public String source() {
        return source;
    }

    /** The {@code __metadata__} strings (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names in data-offset order. */
    public List<String> names() {
        return List.copyOf(entries.keySet());
    }

    /** Header entries in data-offset order. */
    public Map<String, TensorEntry> entries() {
        return entries;
    }

    /** All tensors, in data-offset order (slices of the mapping). */
    public Map<String, StoredTensor> tensors() {
        return tensors;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The named tensor; a {@link CheckpointFormatException} naming the file when it is absent. */
    public StoredTensor tensor(String name) {
        StoredTensor t = tensors.get(name);
        if (t == null) {
            throw CheckpointFormatException.of(source, "no tensor named '" + name + "'");
        }
        return t;
    }

    /**
     * Copies a tensor's bytes into {@code dst} (from its position; it must have room) with positional file reads —
     * a kernel copy without page faults on the mapping, the fastest way to fill a native buffer such as an
     * NDArray's. For files parsed from memory the bytes come from the buffer.
     */
    public void readInto(String name, ByteBuffer dst) {
        TensorEntry e = entries.get(name);
        if (e == null) {
            throw CheckpointFormatException.of(source, "no tensor named '" + name + "'");
        }
        if (dst.remaining() < e.byteSize()) {
            throw new IllegalArgumentException("destination has " + dst.remaining() + " bytes, tensor '" + name
                    + "' needs " + e.byteSize());
        }
        if (path == null) {
            dst.put(tensors.get(name).data());
            return;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer d = dst.duplicate();
            d.limit(d.position() + (int) e.byteSize());
            long pos = dataStart + e.begin();
            while (d.hasRemaining()) {
                int r = ch.read(d, pos);
                if (r < 0) {
                    throw CheckpointFormatException.of(source, "file shrank while reading tensor '" + name + "'");
                }
                pos += r;
            }
            dst.position(d.position());
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read " + source + ": " + ex.getMessage(), ex);
        }
    }

    /** Releases the channel; the mapping itself is released by the garbage collector. */
    @Override
    public void close() {
        // the channel is closed right after mapping; nothing else to release
    }
}
