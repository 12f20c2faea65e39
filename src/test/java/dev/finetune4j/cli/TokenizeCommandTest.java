package dev.finetune4j.cli;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code finetune4j tokenize} against the Mistral v0.1 folder of the conformance bundle. */
class TokenizeCommandTest {

    static Path tokenizers() {
        return Conformance.path("tokenizers");
    }

    @Test
    void quickstartCharacterTokenizer() {
        String dir = Path.of("..", "examples", "quickstart", "model").toString();
        CliRun with = CliRun.of("tokenize", "--tokenizer", dir, "--text", "ab 1");
        assertEquals(0, with.exitCode(), with.stderr());
        assertEquals("{\"ids\": [1, 71, 72, 6, 23]}\n", with.out());
        CliRun without = CliRun.of("tokenize", "--tokenizer", dir, "--text", "ab 1", "--no-special-tokens");
        assertEquals("{\"ids\": [71, 72, 6, 23]}\n", without.out());
    }

    @Test
    void printsIdsWithAndWithoutSpecialTokens() {
        String dir = tokenizers().resolve("mistral-7b-v0.1").toString();
        CliRun with = CliRun.of("tokenize", "--tokenizer", dir, "--text", " grabbed");
        assertEquals(0, with.exitCode(), with.stderr());
        assertEquals("{\"ids\": [1, 28705, 13300]}\n", with.out());
        CliRun without = CliRun.of("tokenize", "--tokenizer", dir, "--text", " grabbed", "--no-special-tokens");
        assertEquals("{\"ids\": [28705, 13300]}\n", without.out());
    }

    @Test
    void readsTextFiles(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("t.txt");
        Files.writeString(file, "grabbed");
        CliRun run = CliRun.of("tokenize", "--tokenizer", tokenizers().resolve("mistral-7b-v0.1").toString(),
                "--text-file", file.toString());
        assertEquals("{\"ids\": [1, 13300]}\n", run.out());
    }

    @Test
    void errorsAreOneClearLine(@TempDir Path tmp) {
        CliRun missing = CliRun.of("tokenize", "--tokenizer", tmp.toString(), "--text", "x");
        assertEquals(1, missing.exitCode());
        assertTrue(missing.stderr().startsWith("error: no tokenizer.json in " + tmp), missing.stderr());
        CliRun both = CliRun.of("tokenize", "--tokenizer", tmp.toString(), "--text", "x", "--text-file", "f");
        assertEquals(2, both.exitCode(), "--text and --text-file are mutually exclusive");
        CliRun noFile = CliRun.of("tokenize", "--tokenizer", tmp.toString(), "--text-file", tmp.resolve("nope")
                .toString());
        assertEquals(2, noFile.exitCode());
        assertTrue(noFile.stderr().contains("cannot read --text-file"), noFile.stderr());
    }
}
