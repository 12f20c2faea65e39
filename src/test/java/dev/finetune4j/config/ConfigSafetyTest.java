package dev.finetune4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** YAML aliases resolve to their values (bounded), a non-UTF-8 config file is named, allow_partial_weights checks. */
class ConfigSafetyTest {
    private static final String MINIMAL = "model: m\ntrain_data_path: t.jsonl\n";

    @TempDir
    Path dir;

    @Test
    void aliasesResolveToTheAnchoredValues() {
        RunConfig c = RunConfig.fromYaml(MINIMAL + "run_name: &name r1\neval_prompts: [&hi \"Hello there\", *hi, *name]\n"
                + "seed: &s 1234\nlora: {r: 8, alpha: *s}\n", dir, "c.yaml", List.of());
        assertEquals(List.of("Hello there", "Hello there", "r1"), c.evalPrompts());
        assertEquals(1234.0, c.lora().alpha(), 0);
        assertEquals(1234, c.seed());
    }

    @Test
    void aliasBombsAndUnknownAliasesAreRefused() {
        StringBuilder y = new StringBuilder(MINIMAL + "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 8; i++) {
            y.append("a").append(i).append(": &a").append(i).append(" [");
            for (int j = 0; j < 10; j++) {
                y.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
            }
            y.append("]\n");
        }
        ConfigException e = assertThrows(ConfigException.class, () -> RunConfig.fromYaml(y.toString(), dir, "c.yaml",
                List.of()));
        assertTrue(e.getMessage().contains("aliases"), e.getMessage());
        ConfigException u = assertThrows(ConfigException.class, () -> RunConfig.fromYaml(MINIMAL
                + "eval_prompts: [*nope]\n", dir, "c.yaml", List.of()));
        assertTrue(u.getMessage().contains("nope"), u.getMessage());
    }

    @Test
    void aConfigFileThatIsNotUtf8IsNamed() throws Exception {
        Path f = Files.write(dir.resolve("latin1.yaml"), (MINIMAL + "run_name: caf\u00e9\n")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        ConfigException e = assertThrows(ConfigException.class, () -> RunConfig.load(f));
        assertTrue(e.getMessage().contains("latin1.yaml") && e.getMessage().contains("not UTF-8"), e.getMessage());
    }

    @Test
    void allowPartialWeightsNeedsCustomWeights() {
        ConfigException e = assertThrows(ConfigException.class, () -> RunConfig.fromYaml(MINIMAL
                + "allow_partial_weights: true\n", dir, "c.yaml", List.of()));
        assertTrue(e.getMessage().contains("allow_partial_weights") && e.getMessage().contains("custom_weights_path"),
                e.getMessage());
        assertTrue(RunConfig.fromYaml(MINIMAL + "custom_weights_path: w.pt\nallow_partial_weights: true\n", dir,
                "c.yaml", List.of()).allowPartialWeights());
    }
}
