package dev.finetune4j.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.data.PackedDataset;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.engine.model.Precision;
import dev.finetune4j.engine.model.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training loop's memory strategies: activation checkpointing and optimizer-in-backward give the same steps as
 * the plain loop (one micro-batch per step, no clipping); bf16 master weights train, checkpoint (Composer layout,
 * float32 tensors) and resume.
 */
class MemoryStrategiesTest {

    @TempDir
    Path dir;

    private record Outcome(TreeMap<Long, Double> losses, Map<String, float[]> weights) {
    }

    private Outcome train(String name, MemorySpec memory, boolean bf16Masters, double dropout) {
        TrainFixtures.Spec s = new TrainFixtures.Spec(dir.resolve(name));
        s.micro = 2;
        s.global = 2;
        s.duration = "3ba";
        s.memory = memory;
        TrainFixtures.Recorder rec = new TrainFixtures.Recorder();
        ModelOptions o = new ModelOptions(Device.cpu(), Precision.FP32, dropout == 0
                ? dev.finetune4j.engine.model.DropoutOptions.NONE
                : new dev.finetune4j.engine.model.DropoutOptions(dropout, dropout, dropout), null, false, 17,
                bf16Masters);
        PackedDataset data = TrainFixtures.dataset(6, 3);
        try (CausalLm model = CausalLm.random(TinyModels.llama(), o)) {
            new Trainer(model, data, null, s.build(), rec, TrainFixtures.noExport(), PromptSampler.NONE).run();
            Map<String, float[]> w = new java.util.LinkedHashMap<>();
            model.stateDict(DType.FLOAT32, false).forEach((k, v) -> w.put(k, v.toFloatArray()));
            return new Outcome(rec.losses(), w);
        }
    }

    private static void assertSameRun(Outcome a, Outcome b, double tol, String what) {
        assertEquals(a.losses().keySet(), b.losses().keySet());
        for (long k : a.losses().keySet()) {
            assertEquals(a.losses().get(k), b.losses().get(k), tol, what + " loss at " + k);
        }
        for (String name : a.weights().keySet()) {
            float[] x = a.weights().get(name);
            float[] y = b.weights().get(name);
            double diff = 0;
            for (int i = 0; i < x.length; i++) {
                diff = Math.max(diff, Math.abs(x[i] - y[i]));
            }
            assertTrue(diff <= tol, what + ": " + name + " differs by " + diff);
        }
    }

    @Test
    void checkpointingAndOptimizerInBackwardGiveTheSameSteps() {
        Outcome plain = train("plain", MemorySpec.DEFAULT, false, 0.1);
        Outcome checkpointed = train("ckpt", new MemorySpec(true, false), false, 0.1);
        Outcome inBackward = train("inbw", new MemorySpec(true, true), false, 0.1);
        assertSameRun(plain, checkpointed, 1e-5, "activation_checkpointing");
        assertSameRun(plain, inBackward, 1e-5, "optimizer_in_backward");
    }

    @Test
    void bf16MastersTrainAndCheckpointInComposerLayout() throws Exception {
        Outcome fp32 = train("fp32", MemorySpec.DEFAULT, false, 0);
        Outcome bf16 = train("bf16", new MemorySpec(true, true), true, 0);
        for (long k : fp32.losses().keySet()) {
            assertEquals(fp32.losses().get(k), bf16.losses().get(k), 0.05, "bf16 loss at " + k);
        }
        Path latest = dir.resolve("bf16").resolve("checkpoints").resolve("latest-rank0.pt");
        assertTrue(Files.exists(latest), "checkpoint written");
        var cp = dev.finetune4j.checkpoint.composer.ComposerCheckpoint.read(latest);
        var embed = cp.model().entrySet().stream().filter(e -> e.getKey().endsWith("embed_tokens.weight"))
                .findFirst().orElseThrow().getValue();
        assertEquals(DType.FLOAT32, embed.dtype());
        assertTrue(cp.optimizer() != null, "optimizer state saved");
    }
}
