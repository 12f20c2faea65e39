package dev.finetune4j.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.checkpoint.composer.ComposerIntegrations;
import dev.finetune4j.checkpoint.torch.TorchFile;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.optim.DecoupledLionW;
import dev.finetune4j.engine.optim.ParameterGroups;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Composer can resume from the Trainer's checkpoints: no top-level {@code rng} (Composer's load_rng_state would need
 * Python/NumPy/torch generator states), the project's resume data under {@code state['finetune4j']} (an attribute
 * Composer skips) instead of {@code dataset_state}/{@code callbacks}, and the importable transformers class path in
 * {@code integrations}. A Python walk of Composer's load dispatch (with Debian's torch) agrees, and flags the
 * layout earlier versions wrote; those earlier checkpoints still resume here.
 */
class ComposerInteropTest {
    private static final String PY = "/usr/bin/python3";

    @TempDir
    static Path dir;

    private static Path file;

    @BeforeAll
    static void trainTwoStepsWithEarlyStopping() {
        TrainFixtures.Spec s = new TrainFixtures.Spec(dir.resolve("run"));
        s.duration = "2ba";
        s.saveInterval = "1ba";
        s.evalInterval = "1ba";
        s.earlyStopping = new TrainingSpec.EarlyStoppingSpec(5, 0);
        try (CausalLm model = TrainFixtures.tinyModel(17, 0)) {
            Map<String, Object> integrations = ComposerIntegrations.huggingface(model.config().toJson(),
                    model.config().spec().hfClass(), null);
            ModelExporter base = TrainFixtures.noExport();
            ModelExporter exporter = new ModelExporter() {
                @Override
                public Map<String, Object> integrations(CausalLm m) {
                    return integrations;
                }

                @Override
                public Map<String, Object> metadata(CausalLm m) {
                    return base.metadata(m);
                }

                @Override
                public Path export(CausalLm m, Path d, boolean merge) {
                    return base.export(m, d, merge);
                }
            };
            file = new Trainer(model, TrainFixtures.dataset(12, 3), TrainFixtures.dataset(4, 4), s.build(), null,
                    exporter, PromptSampler.NONE).run().lastCheckpoint();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void layoutComposerResumes() {
        Map<String, Object> root = (Map<String, Object>) TorchFile.read(file);
        assertEquals(List.of("state"), new ArrayList<>(root.keySet()));
        Map<String, Object> state = (Map<String, Object>) root.get("state");
        assertFalse(state.containsKey("dataset_state"), "Composer hands dataset_state['train'] to its dataset");
        assertFalse(state.containsKey("callbacks"));
        Map<String, Object> own = (Map<String, Object>) state.get(CheckpointIo.STATE_KEY);
        assertEquals(List.of("seed", "train_loader", "early_stopping", "scored_checkpoints"),
                new ArrayList<>(own.keySet()));
        assertEquals(17L, own.get("seed"));
        Map<String, Object> cfg = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) ((Map<String,
                Object>) state.get("integrations")).get("huggingface")).get("model")).get("config");
        assertEquals("transformers.models.llama.modeling_llama.LlamaForCausalLM", cfg.get("class"));
    }

    /** The checkpoint rewritten in the layout earlier versions of this project wrote. */
    private static Path legacyCopy(Path target) {
        ComposerCheckpoint cp = ComposerCheckpoint.read(file);
        Map<?, ?> own = (Map<?, ?>) cp.extraState().get(CheckpointIo.STATE_KEY);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("dataset_state", Map.of("train", own.get("train_loader")));
        extra.put("callbacks", Map.of("EarlyStopper", own.get("early_stopping")));
        Map<String, Object> rng = new LinkedHashMap<>();
        rng.put("finetune4j_seed", 17L);
        rng.put("batch", cp.timestamp().batch());
        new ComposerCheckpoint(cp.model(), cp.optimizer(), cp.scheduler(), cp.timestamp(), cp.rankZeroSeed(),
                cp.runName(), List.of(rng), cp.integrations(), cp.metadata(), extra).write(target);
        return target;
    }

    @Test
    void checkpointsOfEarlierVersionsStillResume() {
        Path legacy = legacyCopy(dir.resolve("legacy.pt"));
        try (CausalLm a = TrainFixtures.tinyModel(5, 0); CausalLm b = TrainFixtures.tinyModel(6, 0);
             DecoupledLionW oa = new DecoupledLionW(ParameterGroups.single(a.trainableParameters(), 1e-3, 0), 0.9,
                     0.99);
             DecoupledLionW ob = new DecoupledLionW(ParameterGroups.single(b.trainableParameters(), 1e-3, 0), 0.9,
                     0.99)) {
            CheckpointIo.Restored now = CheckpointIo.restore(file, a, oa);
            CheckpointIo.Restored old = CheckpointIo.restore(legacy, b, ob);
            assertEquals(now.state().loader(), old.state().loader());
            assertEquals(now.state().bestValLoss(), old.state().bestValLoss());
            assertEquals(now.state().evalsWithoutImprovement(), old.state().evalsWithoutImprovement());
            assertEquals(now.state().timestamp(), old.state().timestamp());
            assertTrue(Double.isFinite(now.state().bestValLoss()), "the early-stopping record was saved");
            assertEquals(2, now.state().timestamp().batch());
        }
    }

    private static JsonNode pythonCheck(Path checkpoint) throws IOException, InterruptedException {
        Path scripts = Files.createDirectories(dir.resolve("py"));
        for (String name : List.of("composer_interop_check.py", "composer_checkpoint_facts.py")) {
            try (InputStream in = ComposerInteropTest.class.getResourceAsStream("/train/" + name)) {
                Files.write(scripts.resolve(name), in.readAllBytes());
            }
        }
        Process p = new ProcessBuilder(PY, scripts.resolve("composer_interop_check.py").toString(),
                checkpoint.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return new ObjectMapper().readTree(out.substring(out.lastIndexOf("\n{") + 1));
    }

    @Test
    void composersLoadDispatchAcceptsItWhenTorchIsInstalled() throws Exception {
        boolean torch = new File(PY).canExecute() && new ProcessBuilder(PY, "-c", "import torch")
                .redirectErrorStream(true).start().waitFor() == 0;
        if (!torch) {
            System.out.println("SKIP composersLoadDispatchAcceptsItWhenTorchIsInstalled: " + PY
                    + " with torch is not installed");
        }
        Assumptions.assumeTrue(torch, "python3 with torch not installed");
        JsonNode ok = pythonCheck(file);
        assertEquals("[]", ok.get("problems").toString());
        assertEquals("[\"finetune4j\"]", ok.get("skipped").toString());
        assertEquals("transformers.models.llama.modeling_llama.LlamaForCausalLM", ok.get("class").asText());

        JsonNode legacy = pythonCheck(legacyCopy(dir.resolve("legacy-py.pt")));
        String problems = legacy.get("problems").toString();
        assertTrue(problems.contains("rng[0] has no 'torch' state"), problems);
        assertTrue(problems.contains("state.dataset_state must be"), problems);
    }
}
