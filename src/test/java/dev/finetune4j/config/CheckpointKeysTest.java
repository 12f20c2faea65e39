package dev.finetune4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** save_top_k (number or {k, monitor, mode}) and save_weights_only: values, defaults, conflicts, run.yaml. */
class CheckpointKeysTest {
    private static final String MINIMAL = "model: m\ntrain_data_path: t.jsonl\n";
    private static final String EVAL = MINIMAL + "eval_data_path: e.jsonl\n";

    @TempDir
    Path dir;

    private RunConfig load(String yaml, String... sets) throws IOException {
        Path f = dir.resolve("run.yaml");
        Files.writeString(f, yaml);
        return RunConfig.load(f, List.of(sets));
    }

    private String error(String yaml, String... sets) throws IOException {
        Path f = dir.resolve("run.yaml");
        Files.writeString(f, yaml);
        return assertThrows(ConfigException.class, () -> RunConfig.load(f, List.of(sets))).getMessage()
                .replace(f.toString(), "run.yaml");
    }

    @Test
    void valuesAndDefaults() throws IOException {
        RunConfig d = load(MINIMAL);
        assertNull(d.saveTopK());
        assertFalse(d.saveWeightsOnly());
        assertEquals(new SaveTopKConfig(2, "val_loss", "min"), load(EVAL + "save_top_k: 2\n").saveTopK());
        assertEquals(new SaveTopKConfig(3, "loss", "max"), load(MINIMAL + "save_top_k:\n  k: 3\n  monitor: loss\n"
                + "  mode: max\n").saveTopK());
        assertNull(load(MINIMAL + "save_top_k: -1\n").saveTopK());
        assertEquals(new SaveTopKConfig(1, "loss", "min"), load(MINIMAL, "save_top_k.k=1", "save_top_k.monitor=loss")
                .saveTopK());
        assertTrue(load(MINIMAL + "save_weights_only: true\n").saveWeightsOnly());
        RunConfig c = load(EVAL + "save_top_k: {k: 2, mode: min}\nsave_weights_only: true\n");
        Path yaml = dir.resolve("back.yaml");
        Files.writeString(yaml, c.toYaml());
        RunConfig back = RunConfig.load(yaml);
        assertEquals(c.saveTopK(), back.saveTopK());
        assertTrue(back.saveWeightsOnly());
    }

    @Test
    void badValuesAndConflictsNameTheKey() throws IOException {
        assertEquals("run.yaml:4: key 'save_top_k': value 0 is out of range; allowed: >= 1, or -1 (off)",
                error(EVAL + "save_top_k: 0\n"));
        assertEquals("run.yaml:5: key 'save_top_k.monitor': 'accuracy' is not allowed; allowed values: val_loss, loss",
                error(MINIMAL + "save_top_k:\n  k: 1\n  monitor: accuracy\n"));
        assertEquals("run.yaml:3: key 'save_top_k.k': is required but missing", error(MINIMAL + "save_top_k: {mode: max}\n"));
        assertEquals("run.yaml:3: key 'save_top_k': monitor val_loss needs evaluation data: set eval_data_path or"
                + " validation_split_ratio, or monitor loss", error(MINIMAL + "save_top_k: 2\n"));
        assertEquals("run.yaml:4: key 'save_top_k': give either save_top_k (the best k by val_loss) or"
                + " save_num_checkpoints_to_keep (the newest N) (run.yaml:5), not both",
                error(EVAL + "save_top_k: 2\nsave_num_checkpoints_to_keep: 3\n"));
        assertEquals("run.yaml:4: key 'save_weights_only': weights-only checkpoints hold no optimizer, scheduler or"
                + " data position, so autoresume (run.yaml:5) cannot continue from them; use one of the two",
                error(MINIMAL + "run_name: r\nsave_weights_only: true\nautoresume: true\n"));
        assertEquals("run.yaml:3: key 'save_weights_only': expected true or false, got 'maybe'",
                error(MINIMAL + "save_weights_only: maybe\n"));
    }
}
