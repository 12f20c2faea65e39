package dev.finetune4j.checkpoint;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared conformance suites (system property {@code conformance.dir}, set by the root pom). */
public final class Conformance {
    private Conformance() {
    }

    /** The checkpoints suite folder; the test is skipped (with the reason printed) when it is absent. */
    public static Path checkpoints() {
        String d = System.getProperty("conformance.dir", "../../shared/conformance");
        Path p = Path.of(d).resolve("checkpoints");
        if (!Files.isDirectory(p)) {
            System.out.println("SKIP: conformance folder " + p.toAbsolutePath() + " not found");
        }
        assumeTrue(Files.isDirectory(p), "conformance folder " + p + " not found");
        return p;
    }
}
