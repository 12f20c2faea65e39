package dev.finetune4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.jni.JniUtils;
import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.model.CausalLm;

/** What the run/export round-trip tests compare: a model's logits on a probe batch, and their largest difference. */
final class ModelProbes {

    private ModelProbes() {
    }

    /** The logits of {@code b} without gradients, as floats. */
    @SuppressWarnings("try") // the scope frees the arrays the forward pass creates
    static float[] logits(CausalLm model, Batch b) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDScope scope = new NDScope()) {
            return model.logits(b, false).toFloatArray();
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    /** The largest element-wise difference of two equally long arrays. */
    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
