package dev.finetune4j.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.torch.PyTuple;
import dev.finetune4j.checkpoint.torch.TorchFile;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.TrainableParameter;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint saved by the Trainer has Composer's layout (docs/formats.md §3.3,
 * docs/formats.md §3.1), read back as raw Python values: {@code state.model} keyed {@code model.<hf name>},
 * {@code state.optimizers.DecoupledLionW} with per-FQN {@code exp_avg} and param groups (lr, betas, weight_decay,
 * initial_lr, params last), {@code schedulers.LambdaLR}, {@code timestamp.Timestamp}, {@code rank_zero_seed},
 * {@code run_name}; and a real {@code torch.load} agrees on the structure and the tensor bits (skipped without torch).
 */
class ComposerCheckpointContentTest {
    private static final String PY = "/usr/bin/python3";
    private static final String FQN = "model.model.layers.1.self_attn.q_proj.weight";

    @TempDir
    static Path dir;

    private static Path file;
    private static List<String> hfNames;

    @BeforeEach
    void trainTwoSteps() {
        if (file != null) {
            return;
        }
        TrainFixtures.Spec s = new TrainFixtures.Spec(dir);
        s.duration = "3ba";
        s.lr = 1e-3;
        s.optimizer = new TrainingSpec.OptimizerSpec("decoupled_lionw", 0.9, 0.95, 1e-5, 1e-8);
        s.scheduler = dev.finetune4j.engine.schedule.LinearWithWarmup.of(
                dev.finetune4j.engine.schedule.Time.parse("1ba"), 0.0);
        s.seed = 42;
        try (CausalLm model = TrainFixtures.tinyModel(42, 0)) {
            hfNames = model.trainableParameters().stream().map(TrainableParameter::name).toList();
            TrainingResult r = new Trainer(model, TrainFixtures.dataset(8, 9), null, s.build(), null,
                    TrainFixtures.noExport(), PromptSampler.NONE).run();
            file = r.lastCheckpoint();
        }
        assertEquals("ep1-ba3-rank0.pt", file.getFileName().toString()); // 8 rows / 4 per batch: ba3 is in epoch 1
    }

    @Test
    @SuppressWarnings("unchecked")
    void rawLayoutIsComposers() {
        Map<String, Object> root = (Map<String, Object>) TorchFile.read(file);
        assertEquals(List.of("state", "rng"), new ArrayList<>(root.keySet()));
        Map<String, Object> state = (Map<String, Object>) root.get("state");
        Map<String, Object> model = (Map<String, Object>) state.get("model");
        assertEquals(hfNames.stream().map(n -> "model." + n).toList(), new ArrayList<>(model.keySet()));
        assertInstanceOf(StoredTensor.class, model.get(FQN));
        assertEquals(DType.FLOAT32, ((StoredTensor) model.get(FQN)).dtype());

        Map<String, Object> optimizers = (Map<String, Object>) state.get("optimizers");
        assertEquals(List.of("DecoupledLionW"), new ArrayList<>(optimizers.keySet()));
        Map<String, Object> osd = (Map<String, Object>) optimizers.get("DecoupledLionW");
        Map<String, Object> perParam = (Map<String, Object>) osd.get("state");
        assertEquals(model.keySet(), perParam.keySet());
        for (Object slots : perParam.values()) {
            assertEquals(List.of("exp_avg"), new ArrayList<>(((Map<String, Object>) slots).keySet()));
        }
        List<Object> groups = (List<Object>) osd.get("param_groups");
        assertEquals(1, groups.size());
        Map<String, Object> g = (Map<String, Object>) groups.get(0);
        assertEquals(List.of("lr", "betas", "weight_decay", "initial_lr", "params"), new ArrayList<>(g.keySet()),
                "DecoupledLionW defaults (lr, betas, weight_decay), then initial_lr, params last");
        assertEquals(1e-3, (Double) g.get("initial_lr"));
        assertEquals(1e-5, (Double) g.get("weight_decay"));
        Object betas = g.get("betas");
        List<?> b = betas instanceof PyTuple t ? t.items() : (List<?>) betas;
        assertEquals(List.of(0.9, 0.95), b);
        assertEquals(new ArrayList<>(model.keySet()), g.get("params"));
        // 1ba warmup, then linear decay to 0 at 3ba: α(t) = 1 − (t−1)/2. After the third step (0-based batch 2),
        // LambdaLR.step() ran before the timestamp advanced (docs/training.md §2), so the saved lr is α(2)·1e-3 = 0.5e-3
        assertEquals(0.5e-3, (Double) g.get("lr"), 1e-15);

        Map<String, Object> sched = (Map<String, Object>) ((Map<String, Object>) state.get("schedulers"))
                .get("LambdaLR");
        assertTrue(sched.keySet().containsAll(List.of("base_lrs", "last_epoch", "_step_count", "_last_lr")),
                sched.keySet().toString());
        assertEquals(3L, sched.get("last_epoch"));
        Map<String, Object> ts = (Map<String, Object>) ((Map<String, Object>) state.get("timestamp"))
                .get("Timestamp");
        assertEquals(3L, ts.get("batch"));
        assertInstanceOf(Duration.class, ts.get("total_wct"));
        assertEquals(42L, state.get("rank_zero_seed"));
        assertEquals("test-run", state.get("run_name"));
    }

    @Test
    void realTorchLoadAgrees() throws Exception {
        boolean torch = new File(PY).canExecute() && new ProcessBuilder(PY, "-c", "import torch")
                .redirectErrorStream(true).start().waitFor() == 0;
        if (!torch) {
            System.out.println("SKIP realTorchLoadAgrees: " + PY + " with torch is not installed");
        }
        Assumptions.assumeTrue(torch, "python3 with torch not installed");
        Path script = Files.createTempFile(dir, "facts", ".py");
        try (var in = getClass().getResourceAsStream("/train/composer_checkpoint_facts.py")) {
            Files.write(script, in.readAllBytes());
        }
        Process p = new ProcessBuilder(PY, script.toString(), file.toString(), FQN).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        JsonNode facts = new ObjectMapper().readTree(out.substring(out.lastIndexOf("\n{") + 1));
        System.out.println("torch.load mode: " + facts.get("mode").asText());
        assertEquals("[\"state\",\"rng\"]", facts.get("top").toString());
        assertEquals("DecoupledLionW", facts.get("optimizer").asText());
        assertEquals("[\"exp_avg\"]", facts.get("slots").toString());
        assertEquals("[\"lr\",\"betas\",\"weight_decay\",\"initial_lr\",\"params\"]",
                facts.get("group_keys").toString());
        assertEquals(1e-3, Double.parseDouble(facts.get("group_initial_lr").asText()));
        assertEquals(0.5e-3, Double.parseDouble(facts.get("group_lr").asText()), 1e-15);
        assertEquals(hfNames.size(), facts.get("model_keys").size());
        assertEquals(facts.get("model_keys"), facts.get("state_keys"));
        assertEquals(facts.get("model_keys"), facts.get("group_params"));
        assertEquals("model.model.embed_tokens.weight", facts.get("model_keys").get(0).asText());
        assertEquals(3, facts.get("batch").asInt());
        assertEquals(3, facts.get("last_epoch").asInt());
        assertEquals("timedelta", facts.get("wct_type").asText());
        assertEquals(42, facts.get("rank_zero_seed").asInt());
        assertEquals("test-run", facts.get("run_name").asText());
        assertEquals("torch.float32", facts.get("weight_dtype").asText());

        var cp = dev.finetune4j.checkpoint.composer.ComposerCheckpoint.read(file);
        String hf = FQN.substring("model.".length());
        assertHexes(cp.model().get(hf).toFloatArray(), facts.get("weight"), "weight " + FQN);
        assertHexes(cp.optimizer().state().get(hf).get("exp_avg").toFloatArray(), facts.get("exp_avg"),
                "exp_avg " + FQN);
    }

    private static void assertHexes(float[] java, JsonNode py, String what) {
        assertEquals(8, py.size());
        boolean nonZero = false;
        for (int i = 0; i < 8; i++) {
            // Python's float.hex() is exact; Java parses it back to the same double bits
            assertEquals(Double.doubleToRawLongBits(java[i]), Double.doubleToRawLongBits(Double.parseDouble(
                    py.get(i).asText())), what + "[" + i + "]: " + java[i] + " vs " + py.get(i).asText());
            nonZero |= java[i] != 0;
        }
        assertTrue(nonZero, what + " should not be all zero");
    }
}
