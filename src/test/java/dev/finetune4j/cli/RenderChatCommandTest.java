package dev.finetune4j.cli;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** {@code finetune4j render-chat}: every conformance chat case through the CLI, byte for byte. */
class RenderChatCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    private static Path conformance() {
        return Conformance.dir();
    }

    @TestFactory
    Stream<DynamicTest> everyConformanceCaseRendersByteForByte() throws IOException {
        JsonNode cases = JSON.readTree(conformance().resolve("chat-templates/cases.json").toFile()).get("cases");
        List<DynamicTest> tests = new ArrayList<>();
        int i = 0;
        for (JsonNode c : cases) {
            Path template = tmp.resolve("t" + i + ".jinja");
            Path input = tmp.resolve("case" + i + ".json");
            i++;
            tests.add(DynamicTest.dynamicTest(c.get("id").asText(), () -> {
                Files.writeString(template, c.get("template").asText(), StandardCharsets.UTF_8);
                Files.write(input, JSON.writeValueAsBytes(c));
                boolean pythonMatches = c.path("python_jinja2_check").path("matches_expected").asBoolean(true);
                String expected = c.get(pythonMatches ? "expected" : "expected_python_jinja2").asText();
                CliRun run = CliRun.of("render-chat", "--template", template.toString(), "--input", input.toString());
                assertEquals(0, run.exitCode(), run.stderr());
                assertEquals(expected, run.out());
            }));
        }
        return tests.stream();
    }

    @Test
    void quickstartFolderTemplate() throws IOException {
        Path input = tmp.resolve("quickstart.json");
        Files.writeString(input, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"},"
                + " {\"role\": \"assistant\", \"content\": \"Yo\"}], \"add_generation_prompt\": false}");
        CliRun run = CliRun.of("render-chat", "--tokenizer", Path.of("..", "examples", "quickstart", "model").toString(),
                "--input", input.toString());
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nYo<|im_end|>\n", run.out());
    }

    @Test
    void tokenizerFolderTemplate() throws IOException {
        Path input = tmp.resolve("llama.json");
        Files.writeString(input, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi {{ 7*7 }}\"}],"
                + " \"add_generation_prompt\": true, \"strftime_now_date\": \"2025-07-10\"}");
        CliRun run = CliRun.of("render-chat", "--tokenizer", conformance().resolve("tokenizers/llama3.2").toString(),
                "--input", input.toString());
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: "
                + "December 2023\nToday Date: 10 Jul 2025\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
                + "Hi {{ 7*7 }}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", run.out());
    }

    @Test
    void folderWithoutTemplateIsAClearError() throws IOException {
        Path input = tmp.resolve("plain.json");
        Files.writeString(input, "{\"messages\": []}");
        CliRun run = CliRun.of("render-chat", "--tokenizer", conformance().resolve("tokenizers/gpt2").toString(),
                "--input", input.toString());
        assertEquals(1, run.exitCode());
        assertTrue(run.stderr().contains("has no chat template"), run.stderr());
    }

    @Test
    void badInputsNameTheProblem() throws IOException {
        Path template = tmp.resolve("x.jinja");
        Files.writeString(template, "{{ messages | length }}");
        Path input = tmp.resolve("bad.json");
        Files.writeString(input, "{\"messages\": {}}");
        CliRun run = CliRun.of("render-chat", "--template", template.toString(), "--input", input.toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.stderr().contains("needs 'messages'"), run.stderr());
        Files.writeString(input, "{\"messages\": [], \"add_generation_prompt\": \"yes\"}");
        run = CliRun.of("render-chat", "--template", template.toString(), "--input", input.toString());
        assertTrue(run.stderr().contains("add_generation_prompt must be true, false or null"), run.stderr());
        Files.writeString(template, "{{ raise_exception('nope') }}");
        Files.writeString(input, "{\"messages\": []}");
        run = CliRun.of("render-chat", "--template", template.toString(), "--input", input.toString());
        assertEquals(1, run.exitCode());
        assertTrue(run.stderr().contains("chat template 'x.jinja' line 1 raised: nope"), run.stderr());
    }
}
