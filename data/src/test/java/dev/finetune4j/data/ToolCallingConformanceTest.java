package dev.finetune4j.data;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.data.source.ChatExample;
import dev.finetune4j.data.source.Message;
import dev.finetune4j.data.source.ReadSample;
import dev.finetune4j.data.source.SampleReader;
import dev.finetune4j.tokenizer.HfTokenizer;
import dev.finetune4j.tokenizer.template.JinjaChatTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tool-calling conversations from the chat-templates conformance suite (messages and tools as the upstream project
 * passed them to transformers) go through this project's data path, written as a training record: the parsed
 * messages and tools rendered with the real tool-aware templates (Llama 3.1, Qwen2.5, Mistral v0.3, Hermes 2 Pro)
 * must give the expected text byte for byte. With the real Qwen2.5 tokenizer, the assistant tool-call turn is
 * trained and the tool result is not. Skipped with a printed reason without ../shared/conformance.
 */
class ToolCallingConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static JsonNode conformanceCase(String id) throws IOException {
        Path file = Conformance.path("chat-templates/cases.json");
        for (JsonNode c : JSON.readTree(file.toFile()).path("cases")) {
            if (c.path("id").asText().equals(id)) {
                return c;
            }
        }
        throw new AssertionError("case " + id + " not in " + file);
    }

    /** The case's conversation written as a chat training record and read back through the data path. */
    private ChatExample asTrainingRecord(JsonNode c) throws IOException {
        ObjectNode record = JSON.createObjectNode();
        if (c.path("extra_context").has("tools")) {
            record.set("tools", c.get("extra_context").get("tools"));
        }
        record.set("messages", c.get("messages"));
        Path f = TestFiles.write(dir, "tools.jsonl", JSON.writeValueAsString(record));
        // validation off: the upstream cases end with a tool result (they render a generation prompt next)
        try (SampleReader r = SampleReader.open(f, TaskType.CHAT_COMPLETION, false, true)) {
            ReadSample s = r.next();
            assertTrue(s.valid(), s.problems().toString());
            return (ChatExample) s.example();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"huggingface.js/custom/meta-llama/Llama-3.1-8B-Instruct",
            "huggingface.js/custom/Qwen/Qwen2.5-7B-Instruct",
            "huggingface.js/custom/mistralai/Mistral-7B-Instruct-v0.3 (JSON Schema)",
            "huggingface.js/custom/NousResearch/Hermes-2-Pro-Llama-3-8B (JSON Schema)"})
    void realTemplatesRenderParsedToolDataAsExpected(String id) throws IOException {
        JsonNode c = conformanceCase(id);
        assertTrue(c.path("python_jinja2_check").path("matches_expected").asBoolean(), "expected matches Jinja2");
        ChatExample chat = asTrainingRecord(c);
        assertTrue(chat.messages().stream().anyMatch(m -> !m.toolCalls().isEmpty() || m.role().equals("tool"))
                || !chat.tools().isEmpty(), "a tool-calling case");
        LocalDate date = LocalDate.parse(c.path("render_options").path("strftime_now_date").asText());
        JinjaChatTemplate template = JinjaChatTemplate.compile(c.get("template").asText(), id, Map.of())
                .withClock(Clock.fixed(date.atStartOfDay(ZoneOffset.UTC).toInstant(), ZoneOffset.UTC));
        Map<String, Object> context = new LinkedHashMap<>(JSON.convertValue(c.get("extra_context"), Map.class));
        context.remove("tools");
        if (!chat.tools().isEmpty()) {
            context.put("tools", chat.tools());
        }
        Boolean agp = c.get("add_generation_prompt").isNull() ? null : c.get("add_generation_prompt").asBoolean();
        String rendered = template.render(chat.messages().stream().map(Message::asTemplateInput).toList(), agp,
                context);
        assertEquals(c.get("expected").asText(), rendered);
    }

    @Test
    void qwen25TrainsTheToolCallAndMasksTheToolResult() {
        Path root = Conformance.path("tokenizers/qwen2.5");
        assumeTrue(Files.isDirectory(root), "conformance tokenizers missing");
        try (HfTokenizer qwen = HfTokenizer.load(root)) {
            Path file = TestFiles.write(dir, "chat.jsonl", ToolCallingDataTest.OPENAI);
            DataOptions o = DataOptions.builder(TaskType.CHAT_COMPLETION, file, 4096)
                    .targetResponses(TargetResponses.ALL).build();
            PreparedData d = DatasetPreparer.prepare(o, qwen);
            assertEquals(0, d.report().invalidSamples(), d.report().format());
            PackedRow row = d.train().row(0);
            List<String> trained = ChatGoldenMasksTest.trainedRuns(row.labels()).stream()
                    .map(r -> ChatGoldenMasksTest.decode(qwen, row.inputIds(), r)).toList();
            assertEquals(List.of("Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":"
                    + " \"Paris\"}}\n</tool_call><|im_end|>\n", "It is 22 C.<|im_end|>\n<|im_end|>"), trained);
            String decoded = qwen.decode(row.inputIds(), false);
            String result = "<|im_start|>user\n<tool_response>\n22 C\n</tool_response><|im_end|>\n";
            assertTrue(decoded.contains(result), decoded);
            assertTrue(decoded.contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\""),
                    "the tools reach the template: " + decoded);
            int[] masked = IntStream.range(0, row.length()).filter(i -> row.labels()[i] == Batch.IGNORE_INDEX)
                    .map(i -> row.inputIds()[i]).toArray();
            assertTrue(qwen.decode(masked, false).contains(result), "the tool result is not trained");
        }
    }
}
