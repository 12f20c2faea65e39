package dev.finetune4j.checkpoint.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.PythonCheck;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorConversions;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchFileWriteTest {
    @TempDir
    Path tmp;

    static Map<String, Object> sample() {
        PyOrderedDict model = new PyOrderedDict();
        StoredTensor emb = StoredTensor.ofFloats(new long[] {3, 2}, new float[] {1, -2, 3.5f, 4, 5, 6e-8f});
        model.put("model.embed.weight", emb);
        model.put("model.lm_head.weight", emb); // tied: one shared storage
        model.put("bf16", TensorConversions.cast(StoredTensor.ofFloats(new long[] {2}, new float[] {1.5f, -0.1f}),
                DType.BFLOAT16));
        model.put("mask", new StoredTensor(DType.BOOL, new long[] {3}, ByteBuffer.wrap(new byte[] {1, 0, 1})));
        model.put("ids", StoredTensor.ofLongs(new long[] {}, new long[] {-7}));
        model.put("u8", new StoredTensor(DType.UINT8, new long[] {2, 0}, ByteBuffer.allocate(0)));
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("model", model);
        root.put("lr", 1.25e-4);
        root.put("betas", PyTuple.of(0.9, 0.95));
        root.put("step", 123456789012L);
        root.put("neg", -3L);
        root.put("small", 200L);
        root.put("mid", 60000L);
        root.put("big", new BigInteger("123456789012345678901234567890"));
        root.put("name", "run-ü✓");
        root.put("flag", true);
        root.put("nothing", null);
        root.put("wct", Duration.ofSeconds(90061, 5_000));
        root.put("negwct", Duration.ofMillis(-1500));
        root.put("raw", new byte[] {0, (byte) 0xff, 'a', 10});
        List<Object> many = new ArrayList<>();
        for (long i = 0; i < 1205; i++) {
            many.add(i);
        }
        root.put("many", many);
        root.put("one", List.of("x"));
        Map<Object, Object> intKeys = new LinkedHashMap<>();
        intKeys.put(0L, "zero");
        intKeys.put(PyTuple.of("a", 1L), "tuple key");
        root.put("intKeys", intKeys);
        root.put("np", new NumpyArray("<u4", new long[] {3}, false, new byte[] {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0}));
        root.put("empty", PyTuple.of());
        root.put("four", PyTuple.of(1L, 2L, 3L, 4L));
        return root;
    }

    @Test
    void roundTripsEveryValueTypeAndSharesTiedStorages() {
        Path f = tmp.resolve("x.pt");
        Map<String, Object> v = sample();
        TorchFile.write(f, v);
        Object back = TorchFile.read(f);
        PythonCheck.assertSame(PythonCheck.describe(v), PythonCheck.describe(back));
        TorchContents c = TorchFile.readContents(f);
        Map<?, ?> model = (Map<?, ?>) ((Map<?, ?>) c.object()).get("model");
        TorchTensor a = (TorchTensor) model.get("model.embed.weight");
        TorchTensor b = (TorchTensor) model.get("model.lm_head.weight");
        assertEquals(a.storageKey(), b.storageKey());
        assertEquals(List.of("archive/data.pkl", "archive/.format_version", "archive/.storage_alignment",
                "archive/byteorder", "archive/data/0", "archive/data/1", "archive/data/2", "archive/data/3",
                "archive/data/4", "archive/version", "archive/.data/serialization_id"), c.entries());
        assertEquals("3", c.records().get("version"));
        assertEquals("archive/", c.archivePrefix());
    }

    @Test
    void recordsAreStoredAnd64ByteAligned() throws Exception {
        Path f = tmp.resolve("a.pt");
        TorchFile.write(f, sample());
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        int p = 0;
        int records = 0;
        while (all.getInt(p) == 0x04034b50) {
            assertEquals(0, all.getShort(p + 8), "STORED");
            int n = all.getShort(p + 26);
            int x = all.getShort(p + 28);
            int data = p + 30 + n + x;
            assertEquals(0, data % 64, "record data aligned to 64");
            p = data + all.getInt(p + 18);
            records++;
        }
        assertEquals(11, records);
    }

    @Test
    void refusesValuesTorchCannotLoadWeightsOnly() {
        assertThrows(IllegalArgumentException.class, () -> TorchFile.write(tmp.resolve("b.pt"),
                Map.of("x", new Object())));
        assertTrue(Files.notExists(tmp.resolve("b.pt")));
    }

    @Test
    void realTorchLoadReadsWhatJavaWrote() throws Exception {
        PythonCheck.assumeTorch();
        Path f = tmp.resolve("interop.pt");
        Map<String, Object> v = sample();
        TorchFile.write(f, v);
        JsonNode py = PythonCheck.run(f.toString());
        System.out.println("torch.load mode: " + py.get("mode").asText() + " (torch " + py.get("torch").asText() + ")");
        PythonCheck.assertSame(PythonCheck.describe(v), py.get("value"));
    }

    @Test
    void weightsOnlyStateDictLoadsWithStrictTorchLoad() throws Exception {
        PythonCheck.assumeTorch();
        // a plain state dict (tensors, ints, strings) must pass torch.load(weights_only=True) itself, even on 1.13
        PyOrderedDict sd = new PyOrderedDict();
        sd.put("w", StoredTensor.ofFloats(new long[] {2, 2}, new float[] {1, 2, 3, 4}));
        sd.put("n", StoredTensor.ofLongs(new long[] {1}, new long[] {5}));
        sd.put("h", TensorConversions.cast(StoredTensor.ofFloats(new long[] {1}, new float[] {2}), DType.FLOAT16));
        Path f = tmp.resolve("sd.pt");
        TorchFile.write(f, sd);
        JsonNode py = PythonCheck.run(f.toString());
        assertEquals("weights_only", py.get("mode").asText());
        PythonCheck.assertSame(PythonCheck.describe(sd), py.get("value"));
    }

    @Test
    void zip64LayoutReadsBackHereAndInTorch() throws Exception {
        Path f = tmp.resolve("z64.pt");
        PyOrderedDict sd = new PyOrderedDict();
        sd.put("w", StoredTensor.ofFloats(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        sd.put("i", StoredTensor.ofLongs(new long[] {2}, new long[] {7, 8}));
        TorchFile.write(f, sd, true);
        PythonCheck.assertSame(PythonCheck.describe(sd), PythonCheck.describe(TorchFile.read(f)));
        PythonCheck.assumeTorch();
        JsonNode py = PythonCheck.run(f.toString());
        assertEquals("weights_only", py.get("mode").asText());
        PythonCheck.assertSame(PythonCheck.describe(sd), py.get("value"));
    }

    @Test
    void contiguousTensorsAreZeroCopySlicesOfTheMapping() {
        Path f = tmp.resolve("m.pt");
        TorchFile.write(f, Map.of("w", StoredTensor.ofFloats(new long[] {4}, new float[] {1, 2, 3, 4})));
        StoredTensor t = (StoredTensor) ((Map<?, ?>) TorchFile.read(f)).get("w");
        assertTrue(t.data().isDirect());
        assertArrayEquals(new float[] {1, 2, 3, 4}, t.toFloatArray());
        assertInstanceOf(Map.class, TorchFile.read(f));
    }
}
