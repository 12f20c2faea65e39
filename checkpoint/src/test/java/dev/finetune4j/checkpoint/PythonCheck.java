package dev.finetune4j.checkpoint;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.torch.NumpyArray;
import dev.finetune4j.checkpoint.torch.PyOrderedDict;
import dev.finetune4j.checkpoint.torch.PyTuple;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code src/test/python/torch_load_check.py} with /usr/bin/python3 (a real torch.load) and builds the same
 * canonical description of a Java value, so interop tests compare the two. Tests are skipped, with the reason
 * printed, when python3 or torch is missing.
 */
public final class PythonCheck {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();
    private static Boolean available;

    private PythonCheck() {
    }

    static String python() {
        return System.getProperty("python", "/usr/bin/python3");
    }

    /** Skips the calling test unless python3 with torch is installed. */
    public static void assumeTorch() {
        if (available == null) {
            try {
                Process p = new ProcessBuilder(python(), "-c", "import torch, numpy").redirectErrorStream(true).start();
                available = p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException | InterruptedException e) {
                available = false;
            }
        }
        if (!available) {
            System.out.println("SKIP: " + python() + " with torch and numpy is not installed (apt-get install "
                    + "python3-torch); torch.load interop not checked");
        }
        assumeTrue(available, "python3 with torch not installed");
    }

    /** Runs the checker script on a file and returns its JSON output. */
    public static JsonNode run(String... args) throws IOException, InterruptedException {
        Path script = Path.of("src/test/python/torch_load_check.py").toAbsolutePath();
        List<String> cmd = new ArrayList<>(List.of(python(), script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("python check failed: " + new String(err, StandardCharsets.UTF_8));
        }
        return JSON.readTree(out);
    }

    /** The canonical description of a Java value, as torch_load_check.py describes the loaded Python value. */
    public static JsonNode describe(Object o) {
        if (o == null) {
            return F.nullNode();
        }
        if (o instanceof Boolean b) {
            return F.booleanNode(b);
        }
        if (o instanceof String s) {
            return F.textNode(s);
        }
        if (o instanceof Long || o instanceof Integer || o instanceof BigInteger) {
            return F.objectNode().put("int", o.toString());
        }
        if (o instanceof Double || o instanceof Float) {
            long bits = Double.doubleToRawLongBits(((Number) o).doubleValue());
            return F.objectNode().put("float", String.format("%016x", bits));
        }
        if (o instanceof StoredTensor t) {
            ObjectNode n = F.objectNode().put("tensor", t.dtype().torchName());
            ArrayNode shape = n.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            n.put("sha256", TensorConversions.sha256(t));
            return n;
        }
        if (o instanceof NumpyArray a) {
            ObjectNode n = F.objectNode().put("ndarray", a.dtype());
            ArrayNode shape = n.putArray("shape");
            for (long d : a.shape()) {
                shape.add(d);
            }
            n.put("sha256", sha256(a.data()));
            return n;
        }
        if (o instanceof byte[] b) {
            return F.objectNode().put("bytes", HexFormat.of().formatHex(b));
        }
        if (o instanceof Duration d) {
            return F.objectNode().put("timedelta_us", d.getSeconds() * 1_000_000L + d.getNano() / 1000);
        }
        if (o instanceof PyTuple t) {
            ArrayNode a = F.objectNode().putArray("tuple");
            t.items().forEach(x -> a.add(describe(x)));
            return a.get(0) == null && t.size() == 0 ? F.objectNode().set("tuple", F.arrayNode()) : wrap("tuple", a);
        }
        if (o instanceof List<?> l) {
            ArrayNode a = F.arrayNode();
            l.forEach(x -> a.add(describe(x)));
            return wrap("list", a);
        }
        if (o instanceof Map<?, ?> m) {
            ArrayNode a = F.arrayNode();
            m.forEach((k, v) -> a.add(F.arrayNode().add(describe(k)).add(describe(v))));
            return wrap(o instanceof PyOrderedDict ? "OrderedDict" : "dict", a);
        }
        throw new IllegalArgumentException("cannot describe " + o.getClass());
    }

    private static ObjectNode wrap(String key, ArrayNode a) {
        ObjectNode n = F.objectNode();
        n.set(key, a);
        return n;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Asserts two descriptions are equal; on mismatch shows only the text around the first difference. */
    public static void assertSame(JsonNode expected, JsonNode actual) {
        String e = expected.toString();
        String a = actual.toString();
        if (e.equals(a)) {
            return;
        }
        int i = 0;
        while (i < Math.min(e.length(), a.length()) && e.charAt(i) == a.charAt(i)) {
            i++;
        }
        int from = Math.max(0, i - 120);
        throw new AssertionError("descriptions differ at char " + i + ":\n expected …" + e.substring(from,
                Math.min(e.length(), i + 120)) + "\n actual   …" + a.substring(from, Math.min(a.length(), i + 120)));
    }

    /** Writes a value's description to a file (for debugging failed comparisons). */
    public static void dump(Path file, JsonNode n) throws IOException {
        Files.writeString(file, n.toPrettyString());
    }
}
