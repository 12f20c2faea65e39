package dev.finetune4j.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The quickstart model folder (tiny Llama config + character tokenizer) and a few of its chat examples. */
final class AppFixtures {
    private AppFixtures() {
    }

    /** {@code examples/quickstart} of the reactor (tests run with the module folder as working directory). */
    static Path quickstart() {
        Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent().resolve("examples/quickstart");
        if (!Files.isDirectory(p.resolve("model"))) {
            throw new IllegalStateException("quickstart example not found at " + p);
        }
        return p;
    }

    /** Copies the first {@code n} lines of the quickstart's {@code data/<name>} to {@code dir/<name>}. */
    static Path someExamples(Path dir, String name, int n) {
        try {
            List<String> lines = Files.readAllLines(quickstart().resolve("data").resolve(name)).subList(0, n);
            Files.createDirectories(dir);
            return Files.write(dir.resolve(name), lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
