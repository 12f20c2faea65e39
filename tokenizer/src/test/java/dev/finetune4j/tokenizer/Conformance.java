package dev.finetune4j.tokenizer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Locates ../shared/conformance (system property {@code conformance.dir}, set by the root pom). */
public final class Conformance {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Conformance() {
    }

    /** The conformance folder; the calling test is skipped, with the reason printed, when it is absent. */
    public static Path dir() {
        String prop = System.getProperty("conformance.dir", "../shared/conformance");
        Path dir = Paths.get(prop).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            System.out.println("SKIP: conformance folder " + dir + " not found (set -Dconformance.dir)");
        }
        assumeTrue(Files.isDirectory(dir), "conformance folder " + dir + " not found");
        return dir;
    }

    public static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ObjectMapper mapper() {
        return JSON;
    }
}
