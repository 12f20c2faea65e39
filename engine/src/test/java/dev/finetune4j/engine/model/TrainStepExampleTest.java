package dev.finetune4j.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.optim.DecoupledLionW;
import dev.finetune4j.engine.optim.GradientClipping;
import dev.finetune4j.engine.optim.ParameterGroups;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The way a training loop drives the engine (see {@link CausalLm}'s javadoc): NDScope per step, one collector, token-
 * weighted loss, clip, Lion step, zero grads. The loss on a memorisable batch must fall.
 */
class TrainStepExampleTest {

    static double trainSteps(CausalLm model, Batch batch, int steps) {
        double first = Double.NaN;
        double last = Double.NaN;
        try (DecoupledLionW opt = new DecoupledLionW(
                ParameterGroups.single(model.trainableParameters(), 3e-3, 0.0), 0.9, 0.99)) {
            for (int step = 0; step < steps; step++) {
                try (NDScope scope = new NDScope();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    StepLoss loss = model.loss(batch, true);
                    gc.backward(loss.sum().div(batch.lossTokens()));
                    last = loss.mean();
                }
                double norm = GradientClipping.clipGlobalNorm(model.trainableParameters(), 1.0);
                assertTrue(Double.isFinite(norm), "gradient norm " + norm);
                opt.step();
                opt.zeroGrad();
                if (step == 0) {
                    first = last;
                }
            }
        }
        return last / first;
    }

    @Test
    void lossFallsOnAMemorisableBatch() {
        Random rnd = new Random(8);
        Batch batch = TinyModels.packed(0, TinyModels.randomIds(rnd, 12, 101), TinyModels.randomIds(rnd, 12, 101));
        try (CausalLm model = CausalLm.random(TinyModels.llama(), ModelOptions.cpu())) {
            double ratio = trainSteps(model, batch, 25);
            assertTrue(ratio < 0.5, "loss ratio last/first " + ratio);
        }
    }

    @Test
    void arraysStayFlatAcrossSteps() {
        Random rnd = new Random(10);
        Batch batch = TinyModels.packed(3, TinyModels.randomIds(rnd, 9, 101), TinyModels.randomIds(rnd, 7, 101));
        try (CausalLm model = CausalLm.random(TinyModels.llama(), ModelOptions.cpu());
             DecoupledLionW opt = new DecoupledLionW(
                     ParameterGroups.single(model.trainableParameters(), 1e-3, 0.01), 0.9, 0.99)) {
            int after3 = -1;
            for (int step = 0; step < 20; step++) {
                try (NDScope scope = new NDScope();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(model.loss(batch, true).sum());
                }
                GradientClipping.clipGlobalNorm(model.trainableParameters(), 1.0);
                opt.step();
                opt.zeroGrad();
                if (step == 3) {
                    after3 = model.manager().getManagedArrays().size();
                }
            }
            assertEquals(after3, model.manager().getManagedArrays().size(), "arrays held by the model's manager");
        }
    }

    @Test
    void bf16LoraLossFalls() {
        Random rnd = new Random(9);
        Batch batch = TinyModels.plain(TinyModels.randomIds(rnd, 16, 101));
        ModelOptions o = ModelOptions.cpu().withPrecision(Precision.BF16)
                .withLora(dev.finetune4j.engine.lora.LoraOptions.of(8, 16, 0.0, java.util.List.of("all-linear")));
        try (CausalLm model = CausalLm.random(TinyModels.llama(), o)) {
            double ratio = trainSteps(model, batch, 25);
            assertTrue(ratio < 0.8, "loss ratio last/first " + ratio);
        }
    }
}
