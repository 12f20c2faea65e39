package dev.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune4j.config.RunConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code train --nproc-per-node N} passes to its rank JVMs: every train option but the launcher's own. */
class RankLaunchTest {
    private static final Path CONFIG = Path.of("..", "examples", "quickstart", "config.yaml");

    @Test
    void forceAndOverridesReachTheRanks() {
        RunConfig rc = RunConfig.load(CONFIG, List.of("seed=3"));
        RankLaunch forced = new RankLaunch(CONFIG, List.of("seed=3"), rc, 2, null, null, null, null, true);
        assertEquals(List.of("train", CONFIG.toString(), "--force", "--set", "seed=3"), forced.rankArguments());
        RankLaunch plain = new RankLaunch(CONFIG, List.of(), rc, 2, 1, 0, "127.0.0.1", 29511, false);
        assertEquals(List.of("train", CONFIG.toString()), plain.rankArguments());
    }
}
