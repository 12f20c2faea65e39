package dev.finetune4j.checkpoint.composer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.Fixtures;
import dev.finetune4j.checkpoint.PythonCheck;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorConversions;
import dev.finetune4j.checkpoint.torch.NumpyArray;
import dev.finetune4j.checkpoint.torch.PyTuple;
import dev.finetune4j.checkpoint.torch.TorchFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComposerCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void readsACheckpointWrittenByTorchWithComposersLayout() throws Exception {
        Path f = Fixtures.path("composer_like.pt");
        PythonCheck.assertSame(Fixtures.expected("composer_like.pt"), PythonCheck.describe(TorchFile.read(f)));
        ComposerCheckpoint c = ComposerCheckpoint.read(f);
        assertEquals(List.of("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"),
                List.copyOf(c.model().keySet()));
        assertEquals(DType.BFLOAT16, c.model().get("model.norm.weight").dtype());
        assertEquals("DecoupledLionW", c.optimizer().name());
        assertEquals(List.of("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"),
                c.optimizer().paramGroups().get(0).get("params"));
        assertEquals(PyTuple.of(0.9, 0.95), c.optimizer().paramGroups().get(0).get("betas"));
        assertEquals(3, c.scheduler().lastEpoch());
        assertEquals(List.of(5e-5), c.scheduler().lastLr());
        assertEquals(3, c.timestamp().batch());
        assertEquals(Duration.ofSeconds(4, 5_000), c.timestamp().batchWct());
        assertEquals(17L, c.rankZeroSeed());
        assertEquals("tiny-run", c.runName());
        assertTrue(c.extraState().containsKey("algorithms"));
        Map<String, Object> rng = c.rng().get(0);
        assertTrue(((PyTuple) rng.get("numpy")).get(1) instanceof NumpyArray);
        assertEquals(5056, ((StoredTensor) rng.get("torch")).numel());
        assertEquals(625, ((PyTuple) ((PyTuple) rng.get("python")).get(1)).size());
        assertTrue(c.metadata().get("torch_version") instanceof String);
    }

    static ComposerCheckpoint sample() {
        LinkedHashMap<String, StoredTensor> model = new LinkedHashMap<>();
        model.put("model.embed_tokens.weight", StoredTensor.ofFloats(new long[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6}));
        model.put("lm_head.weight", TensorConversions.cast(StoredTensor.ofFloats(new long[] {3, 2},
                new float[] {0.5f, 1, 1.5f, 2, 2.5f, 3}), DType.BFLOAT16));
        LinkedHashMap<String, Map<String, StoredTensor>> state = new LinkedHashMap<>();
        model.forEach((k, v) -> state.put(k, Map.of("exp_avg", TensorConversions.cast(v, DType.FLOAT32))));
        Map<String, Object> group = new LinkedHashMap<>();
        group.put("lr", 2.5e-5);
        group.put("betas", ComposerCheckpoint.betas(0.99, 0.95));
        group.put("weight_decay", 0.0);
        group.put("initial_lr", 5e-5);
        group.put("params", List.copyOf(model.keySet()));
        OptimizerState opt = new OptimizerState("DecoupledLionW", state, List.of(group));
        SchedulerState sched = new SchedulerState(List.of(5e-5), 10, 11, List.of(2.5e-5));
        Timestamp ts = Timestamp.ZERO.toNextBatch(8, 1000, Duration.ofMillis(1500))
                .toNextBatch(8, 900, Duration.ofMillis(1400)).toNextEpoch();
        ObjectNode cfg = new ObjectMapper().createObjectNode().put("model_type", "llama").put("vocab_size", 3);
        Map<String, Object> rngEntry = new LinkedHashMap<>();
        rngEntry.put("torch", new StoredTensor(DType.UINT8, new long[] {4}, java.nio.ByteBuffer.wrap(new byte[] {1, 2,
            3, 4})));
        return new ComposerCheckpoint(model, opt, sched, ts, 17L, "java-run", List.of(rngEntry),
                ComposerIntegrations.huggingface(cfg, "transformers.LlamaForCausalLM", null),
                ComposerIntegrations.metadata("cpu", "amp_bf16", 1, 2, 8, "2.7.1"), Map.of());
    }

    @Test
    void writesAndReadsBackEveryField() {
        ComposerCheckpoint c = sample();
        Path f = tmp.resolve("c.pt");
        c.write(f);
        ComposerCheckpoint back = ComposerCheckpoint.read(f);
        PythonCheck.assertSame(PythonCheck.describe(c.toPython()), PythonCheck.describe(back.toPython()));
        assertEquals(c.timestamp(), back.timestamp());
        assertEquals(c.scheduler(), back.scheduler());
        assertEquals(2, back.timestamp().batch());
        assertEquals(1, back.timestamp().epoch());
        assertEquals(0, back.timestamp().batchInEpoch());
        Map<?, ?> raw = (Map<?, ?>) ((Map<?, ?>) TorchFile.read(f)).get("state");
        assertTrue(((Map<?, ?>) raw.get("model")).containsKey("model.model.embed_tokens.weight"), "FQN prefix");
        Map<?, ?> osd = (Map<?, ?>) ((Map<?, ?>) raw.get("optimizers")).get("DecoupledLionW");
        assertTrue(((Map<?, ?>) osd.get("state")).containsKey("model.lm_head.weight"));
        Map<?, ?> g = (Map<?, ?>) ((List<?>) osd.get("param_groups")).get(0);
        assertEquals("params", List.copyOf(g.keySet()).get(g.size() - 1), "params packed last");
    }

    @Test
    void realTorchLoadReadsAJavaComposerCheckpoint() throws Exception {
        PythonCheck.assumeTorch();
        ComposerCheckpoint c = sample();
        Path f = tmp.resolve("py.pt");
        c.write(f);
        JsonNode py = PythonCheck.run(f.toString());
        System.out.println("composer checkpoint torch.load mode: " + py.get("mode").asText());
        PythonCheck.assertSame(PythonCheck.describe(c.toPython()), py.get("value"));
    }

    @Test
    void namingLatestSymlinkAndRetention() throws Exception {
        Path dir = tmp.resolve("checkpoints");
        ComposerCheckpoint c = sample();
        Path last = null;
        for (int b = 1; b <= 3; b++) {
            Timestamp ts = new Timestamp(0, 0, b * 10L, 0, 0, 0, 0, b * 10L, 0, 0, null, null, null, null);
            ComposerCheckpoint cb = new ComposerCheckpoint(c.model(), c.optimizer(), c.scheduler(), ts,
                    c.rankZeroSeed(), c.runName(), c.rng(), c.integrations(), c.metadata(), c.extraState());
            last = ComposerCheckpoints.save(dir, cb, 2);
        }
        assertEquals("ep0-ba30-rank0.pt", last.getFileName().toString());
        Path link = dir.resolve("latest-rank0.pt");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(Path.of("ep0-ba30-rank0.pt"), Files.readSymbolicLink(link), "relative link");
        assertEquals(List.of(dir.resolve("ep0-ba20-rank0.pt"), dir.resolve("ep0-ba30-rank0.pt")),
                ComposerCheckpoints.list(dir));
        assertEquals(30, ComposerCheckpoint.read(link).timestamp().batch());
        try (var s = Files.list(dir)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().startsWith(".")), "no temp files left");
        }
        assertEquals(c.model().keySet(), ComposerCheckpoint.readWeightsOnly(link).keySet());
        Path sym = tmp.resolve("remote/latest-rank0.pt.symlink");
        Files.createDirectories(sym.getParent());
        ComposerCheckpoints.writeSymlinkFile(sym, dir.resolve("ep0-ba20-rank0.pt").toString());
        assertEquals(c.model().get("lm_head.weight"), ComposerCheckpoint.readWeightsOnly(sym).get("lm_head.weight"));
        Files.writeString(sym, "s3://bucket/run/checkpoints/ep0-ba20-rank0.pt");
        assertTrue(assertThrows(CheckpointFormatException.class, () -> ComposerCheckpoint.readWeightsOnly(sym))
                .getMessage().contains("remote"));
    }

    @Test
    void readsWeightsFromAShardedDistcpFolder() throws Exception {
        LinkedHashMap<String, StoredTensor> w = ComposerCheckpoint.readWeightsOnly(Fixtures.path("dcp_sharded"));
        PythonCheck.assertSame(Fixtures.expected("dcp_sharded"), PythonCheck.describe(w));
    }

    @Test
    void weightsOnlyCheckpointHasNoRng() {
        ComposerCheckpoint c = ComposerCheckpoint.weightsOnly(sample().model(), Map.of(), Map.of());
        Map<String, Object> py = c.toPython();
        assertFalse(py.containsKey("rng"));
        assertEquals(List.of("model", "integrations", "metadata"),
                List.copyOf(((Map<?, ?>) py.get("state")).keySet()));
    }

    @Test
    void notAComposerCheckpointIsNamed() {
        Path f = tmp.resolve("plain.pt");
        TorchFile.write(f, Map.of("w", StoredTensor.ofFloats(new long[] {1}, new float[] {1})));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> ComposerCheckpoint.read(f));
        assertTrue(e.getMessage().contains("'state' is missing"), e.getMessage());
    }
}
