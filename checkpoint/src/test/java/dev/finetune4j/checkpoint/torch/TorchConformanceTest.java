package dev.finetune4j.checkpoint.torch;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorConversions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every torch fixture of ../shared/conformance/checkpoints/pytorch against its {@code .expected.json}: container,
 * records, pickle globals and every tensor's dtype, shape, stride, storage offset/key/numel, values and sha256.
 * The pre-1.0 tar files (sidecar object null) must be refused with a clear error; broken.pt must fail.
 */
class TorchConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<Path> sidecars() throws IOException {
        Path root = Conformance.checkpoints().resolve("pytorch");
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.toString().endsWith(".expected.json")).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFixtureMatchesItsSidecar() throws IOException {
        List<Path> all = sidecars();
        assertTrue(all.size() >= 150, "expected the whole suite, found " + all.size());
        return all.stream().map(p -> DynamicTest.dynamicTest(p.getParent().getFileName() + "/" + p.getFileName(),
                () -> check(p)));
    }

    @Test
    void countsAreReported() throws IOException {
        int refused = 0;
        int loaded = 0;
        for (Path p : sidecars()) {
            JsonNode exp = JSON.readTree(p.toFile());
            if (exp.has("error") || exp.path("object").isNull()) {
                refused++;
            } else {
                loaded++;
            }
        }
        System.out.println("torch conformance: " + loaded + " fixtures loaded and compared, " + refused
                + " refused as expected (broken.pt and the pre-1.0 tar files), 0 skipped");
    }

    private static void check(Path sidecar) throws IOException {
        JsonNode exp = JSON.readTree(sidecar.toFile());
        String name = sidecar.getFileName().toString();
        Path file = sidecar.resolveSibling(name.substring(0, name.length() - ".expected.json".length()));
        if (exp.has("error")) {
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchFile.read(file));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            if (exp.get("error").asText().contains("stack underflow")) {
                assertTrue(e.getMessage().contains("stack underflow"), e.getMessage());
            }
            return;
        }
        if (exp.get("container").asText().startsWith("tar")) {
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchFile.read(file));
            assertTrue(e.getMessage().contains("legacy torch format") && e.getMessage().contains("not supported"),
                    e.getMessage());
            return;
        }
        TorchContents c = TorchFile.readContents(file);
        assertEquals(new TreeSet<>(JSON.convertValue(exp.get("pickle_globals"), List.class)), c.pickleGlobals());
        if (exp.get("container").asText().equals("zip")) {
            assertEquals("zip", c.container());
            assertEquals(exp.get("archive_prefix").asText(), c.archivePrefix());
            assertEquals(JSON.convertValue(exp.get("entries"), List.class), c.entries());
            for (String[] r : new String[][] {{"version", "version"}, {"format_version", ".format_version"},
                {"byteorder", "byteorder"}, {"storage_alignment", ".storage_alignment"}}) {
                if (exp.has(r[0])) {
                    assertEquals(exp.get(r[0]).asText(), c.records().get(r[1]), r[0]);
                }
            }
        } else {
            assertEquals("legacy", c.container());
        }
        compare(exp.get("object"), c.object(), "$");
        // the StoredTensor path (contiguous copies) must agree on every sha256 as well
        compareStored(exp.get("object"), TorchFile.read(file), "$");
    }

    private static void compare(JsonNode e, Object a, String path) {
        if (e.isObject() && e.has("type")) {
            String type = e.get("type").asText();
            switch (type) {
                case "Tensor":
                case "Parameter": {
                    TorchTensor t = assertInstanceOf(TorchTensor.class, a, path);
                    assertEquals(type.equals("Parameter"), t.parameter(), path + " parameter");
                    assertEquals(e.get("dtype").asText(), t.dtype().torchName(), path);
                    assertArrayEquals(JSON.convertValue(e.get("shape"), long[].class), t.shape(), path + " shape");
                    assertArrayEquals(JSON.convertValue(e.get("stride"), long[].class), t.stride(), path + " stride");
                    assertEquals(e.get("storage_offset").asLong(), t.offset(), path + " offset");
                    assertEquals(e.get("storage_dtype").asText(), t.storageClass(), path);
                    assertEquals(e.get("storage_numel").asLong(), t.storageNumel(), path + " storage numel");
                    assertEquals(e.get("requires_grad").asBoolean(), t.requiresGrad(), path);
                    assertEquals(e.get("numel").asLong(), t.numel(), path);
                    StoredTensor s = t.toStored();
                    assertEquals(e.get("sha256_contiguous_le").asText(), TensorConversions.sha256(s), path + " sha256");
                    compareValues(e, s, path);
                    return;
                }
                case "float":
                    assertEquals(number(e.get("value")), (Double) a, 0.0, path);
                    return;
                case "dict":
                case "OrderedDict": {
                    Map<?, ?> m = assertInstanceOf(Map.class, a, path);
                    if (type.equals("OrderedDict")) {
                        assertInstanceOf(PyOrderedDict.class, a, path);
                    }
                    JsonNode items = e.get("items");
                    assertEquals(items.size(), m.size(), path + " size");
                    Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
                    for (JsonNode kv : items) {
                        Map.Entry<?, ?> en = it.next();
                        assertEquals(kv.get(0).asText(), String.valueOf(en.getKey()), path + " key order");
                        compare(kv.get(1), en.getValue(), path + "." + en.getKey());
                    }
                    return;
                }
                case "list": {
                    List<?> l = assertInstanceOf(List.class, a, path);
                    JsonNode items = e.get("items");
                    assertEquals(items.size(), l.size(), path);
                    for (int i = 0; i < l.size(); i++) {
                        compare(items.get(i), l.get(i), path + "." + i);
                    }
                    return;
                }
                default:
                    fail("unknown sidecar type " + type + " at " + path);
            }
        }
        if (e.isNull()) {
            assertEquals(null, a, path);
        } else if (e.isBoolean()) {
            assertEquals(e.asBoolean(), a, path);
        } else if (e.isIntegralNumber()) {
            assertEquals(e.asLong(), a, path);
        } else if (e.isTextual()) {
            assertEquals(e.asText(), a, path);
        } else if (e.isArray()) {
            PyTuple t = assertInstanceOf(PyTuple.class, a, path);
            assertEquals(e.size(), t.size(), path);
            for (int i = 0; i < t.size(); i++) {
                compare(e.get(i), t.get(i), path + "." + i);
            }
        } else {
            fail("unhandled sidecar node " + e + " at " + path);
        }
    }

    private static void compareStored(JsonNode e, Object a, String path) {
        if (e.isObject() && ("Tensor".equals(e.path("type").asText()) || "Parameter".equals(e.path("type").asText()))) {
            StoredTensor s = assertInstanceOf(StoredTensor.class, a, path);
            assertEquals(e.get("sha256_contiguous_le").asText(), TensorConversions.sha256(s), path);
            return;
        }
        if (e.isObject() && e.has("items") && a instanceof Map<?, ?> m) {
            Iterator<?> it = m.values().iterator();
            for (JsonNode kv : e.get("items")) {
                compareStored(kv.get(1), it.next(), path);
            }
        } else if (e.isObject() && e.has("items") && a instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                compareStored(e.get("items").get(i), l.get(i), path + "." + i);
            }
        }
    }

    private static double number(JsonNode n) {
        if (n.isTextual()) {
            switch (n.asText()) {
                case "NaN": return Double.NaN;
                case "Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                default: return Double.parseDouble(n.asText());
            }
        }
        return n.asDouble();
    }

    private static void compareValues(JsonNode e, StoredTensor s, String path) {
        float[] v = s.toFloatArray();
        JsonNode vals = e.has("values") ? e.get("values") : e.get("first8");
        List<Double> expected = new ArrayList<>();
        for (JsonNode x : vals) {
            expected.add(x.isBoolean() ? (x.asBoolean() ? 1.0 : 0.0) : number(x));
        }
        if (s.dtype() == dev.finetune4j.checkpoint.DType.INT64) {
            java.nio.ByteBuffer b = s.data();
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(vals.get(i).asLong(), b.getLong(i * 8), path + "[" + i + "]");
            }
        } else {
            for (int i = 0; i < expected.size(); i++) {
                double x = expected.get(i);
                double tol = s.dtype() == dev.finetune4j.checkpoint.DType.FLOAT64 ? Math.abs(x) * 1e-7 : 0.0;
                if (s.dtype() == dev.finetune4j.checkpoint.DType.FLOAT64) {
                    assertEquals(x, s.data().getDouble(i * 8), 0.0, path + "[" + i + "]");
                } else {
                    assertEquals((float) x, v[i], tol, path + "[" + i + "]");
                }
            }
        }
        if (e.has("sum")) {
            double sum = 0;
            for (float x : v) {
                sum += x;
            }
            assertEquals(e.get("sum").asDouble(), sum, 1e-6 * Math.max(1, Math.abs(sum)), path + " sum");
        }
    }
}
