package dev.finetune4j.checkpoint.safetensors;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorConversions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
    @TempDir
    Path tmp;

    @Test
    void conformanceFileMatchesSidecarAndRewritesByteIdentical() throws IOException {
        Path dir = Conformance.checkpoints().resolve("safetensors/burn");
        Path file = dir.resolve("multi_layer.safetensors");
        JsonNode exp = new ObjectMapper().readTree(dir.resolve("multi_layer.safetensors.expected.json").toFile());
        SafetensorsFile f = SafetensorsFile.open(file);
        assertTrue(f.metadata().isEmpty());
        assertEquals(exp.get("tensors").size(), f.names().size());
        int i = 0;
        for (JsonNode t : exp.get("tensors")) {
            String name = t.get("name").asText();
            assertEquals(name, f.names().get(i++), "offset order");
            StoredTensor st = f.tensor(name);
            TensorEntry e = f.entries().get(name);
            assertEquals(t.get("dtype").asText(), st.dtype().safetensorsName());
            assertArrayEquals(new ObjectMapper().convertValue(t.get("shape"), long[].class), st.shape());
            assertEquals(t.get("data_offsets").get(0).asLong(), e.begin());
            assertEquals(t.get("data_offsets").get(1).asLong(), e.end());
            assertEquals(t.get("sha256").asText(), TensorConversions.sha256(st), name);
            float[] v = st.toFloatArray();
            JsonNode vals = t.has("values") ? t.get("values") : t.get("first8");
            for (int k = 0; k < vals.size(); k++) {
                assertEquals(vals.get(k).asDouble(), v[k], 0.0, name + "[" + k + "]");
            }
            if (t.has("sum")) {
                double s = 0;
                for (float x : v) {
                    s += x;
                }
                assertEquals(t.get("sum").asDouble(), s, 1e-9 * Math.max(1, Math.abs(s)) + 1e-6, name);
            }
        }
        Path out = tmp.resolve("rewritten.safetensors");
        SafetensorsWriter.write(out, f.tensors(), null);
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(out), "reference layout reproduced");
    }

    @Test
    void writesReferenceLayoutAndReadsBack() throws IOException {
        LinkedHashMap<String, StoredTensor> m = new LinkedHashMap<>();
        m.put("b", StoredTensor.ofFloats(new long[] {2, 2}, new float[] {1, 2, 3, 4}));
        m.put("a", StoredTensor.ofFloats(new long[] {1}, new float[] {5}));
        m.put("ids", StoredTensor.ofLongs(new long[] {}, new long[] {42}));
        m.put("mask", new StoredTensor(DType.BOOL, new long[] {3}, ByteBuffer.wrap(new byte[] {1, 0, 1})));
        m.put("empty", StoredTensor.ofFloats(new long[] {0, 4}, new float[0]));
        Path p = tmp.resolve("x.safetensors");
        SafetensorsWriter.write(p, m, SafetensorsWriter.PT_METADATA);
        byte[] bytes = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + n) % 8, "data 8-byte aligned");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"ids\":{\"dtype\":\"I64\",\"shape\":[],"
                + "\"data_offsets\":[0,8]},\"a\":{"), header);
        SafetensorsFile f = SafetensorsFile.open(p);
        assertEquals(List.of("ids", "a", "b", "empty", "mask"), f.names());
        assertEquals(Map.of("format", "pt"), f.metadata());
        for (String k : m.keySet()) {
            assertEquals(m.get(k), f.tensor(k), k);
        }
        assertTrue(f.tensor("b").data().isDirect(), "mmap-backed");
        ByteBuffer dst = ByteBuffer.allocateDirect(20).position(4);
        f.readInto("b", dst);
        assertEquals(20, dst.position());
        assertEquals(m.get("b").data(), dst.flip().position(4));
        assertThrows(IllegalArgumentException.class, () -> f.readInto("b", ByteBuffer.allocate(3)));
        assertFalse(Files.list(tmp).anyMatch(q -> q.getFileName().toString().endsWith(".tmp")), "no temp left");
    }

    private static ByteBuffer file(String header, int dataLen) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataLen).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        b.position(0);
        return b;
    }

    private static String error(String header, int dataLen) {
        return assertThrows(CheckpointFormatException.class, () -> SafetensorsFile.parse(file(header, dataLen), "t"))
                .getMessage();
    }

    @Test
    void rejectsMalformedHeadersWithSpecificMessages() {
        String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        assertEquals(1, SafetensorsFile.parse(file(ok, 8), "t").names().size());
        assertTrue(error(ok, 12).contains("cover 8 bytes but the data buffer has 12"));
        assertTrue(error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12).contains("a hole"));
        assertTrue(error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8).contains("overlap"));
        assertTrue(error("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8).contains("Q4"));
        assertTrue(error("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8).contains("need 12"));
        assertTrue(error("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8)
                .contains("invalid dimension"));
        assertTrue(error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16).contains("not valid JSON"));
        assertTrue(error("[1,2]", 0).contains("does not start with '{'"));
        assertTrue(error("{\"__metadata__\":{\"x\":1}}", 0).contains("not a string"));
        ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 200_000_000L);
        assertTrue(assertThrows(CheckpointFormatException.class, () -> SafetensorsFile.parse(huge, "t"))
                .getMessage().contains("outside the allowed"));
        ByteBuffer trunc = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 100);
        assertTrue(assertThrows(CheckpointFormatException.class, () -> SafetensorsFile.parse(trunc, "t"))
                .getMessage().contains("truncated"));
    }

    @Test
    void truncatedFileOnDiskNamesTheFile() throws IOException {
        Path p = tmp.resolve("t.safetensors");
        SafetensorsWriter.write(p, Map.of("w", StoredTensor.ofFloats(new long[] {4}, new float[] {1, 2, 3, 4})), null);
        byte[] b = Files.readAllBytes(p);
        Files.write(p, java.util.Arrays.copyOf(b, b.length - 3));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> SafetensorsFile.open(p));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
    }
}
