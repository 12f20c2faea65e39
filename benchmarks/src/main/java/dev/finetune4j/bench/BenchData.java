package dev.finetune4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Inputs for the tokenizer benchmarks, read from the conformance bundle ({@code -Dconformance.dir}, default
 * {@code ../shared/conformance} relative to the working directory).
 */
final class BenchData {
    private BenchData() {
    }

    static Path conformance() {
        Path dir = Paths.get(System.getProperty("conformance.dir", "../shared/conformance"));
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("conformance folder " + dir.toAbsolutePath()
                    + " not found; pass -Dconformance.dir=/path/to/shared/conformance (JMH: -jvmArgs)");
        }
        return dir;
    }

    /** The prompts and responses of the Dolly/HH-RLHF sample (600 real texts). */
    static List<String> texts() {
        Path file = conformance().resolve("datasets/dolly_hhrlhf_train_small.head300.jsonl");
        ObjectMapper json = new ObjectMapper();
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    JsonNode row = json.readTree(line);
                    out.add(row.get("prompt").asText());
                    out.add(row.get("response").asText());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
