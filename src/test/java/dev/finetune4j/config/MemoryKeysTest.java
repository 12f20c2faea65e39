package dev.finetune4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** activation_checkpointing, master_weights, optimizer_in_backward: defaults, values and impossible combinations. */
class MemoryKeysTest {

    private static final String MINIMAL = "model: m\ntrain_data_path: t.jsonl\n";

    private static RunConfig load(String yaml) {
        return RunConfigLoader.fromText(yaml, false, Path.of("/tmp"), "run.yaml", List.of());
    }

    @Test
    void defaultsAreOffAndValuesAreRead() {
        RunConfig c = load(MINIMAL);
        assertEquals(MemoryConfig.DEFAULT, c.memory());
        assertEquals(1.0, c.gradientClipVal());
        RunConfig on = load(MINIMAL + "activation_checkpointing: true\nmaster_weights: bf16\n"
                + "optimizer_in_backward: true\n");
        assertTrue(on.memory().activationCheckpointing());
        assertTrue(on.memory().bf16Masters());
        assertTrue(on.memory().optimizerInBackward());
        assertEquals(0.0, on.gradientClipVal(), "clipping defaults to off with optimizer_in_backward");
    }

    @Test
    void impossibleCombinationsNameBothKeys() {
        ConfigException clip = assertThrows(ConfigException.class,
                () -> load(MINIMAL + "optimizer_in_backward: true\ngradient_clip_val: 1.0\n"));
        assertTrue(clip.getMessage().contains("optimizer_in_backward") && clip.getMessage().contains(
                "gradient_clip_val"), clip.getMessage());
        ConfigException accumulation = assertThrows(ConfigException.class,
                () -> load(MINIMAL + "optimizer_in_backward: true\nmicro_batch_size: 2\nglobal_batch_size: 4\n"));
        assertTrue(accumulation.getMessage().contains("global_batch_size")
                && accumulation.getMessage().contains("micro_batch_size")
                && accumulation.getMessage().contains("optimizer_in_backward"), accumulation.getMessage());
        ConfigException masters = assertThrows(ConfigException.class, () -> load(MINIMAL + "master_weights: fp16\n"));
        assertTrue(masters.getMessage().contains("master_weights") && masters.getMessage().contains("bf16"),
                masters.getMessage());
        ConfigException bool = assertThrows(ConfigException.class,
                () -> load(MINIMAL + "activation_checkpointing: sometimes\n"));
        assertTrue(bool.getMessage().contains("activation_checkpointing"), bool.getMessage());
        assertFalse(load(MINIMAL + "optimizer_in_backward: true\ngradient_clip_val: 0\n").memory()
                .activationCheckpointing());
    }
}
