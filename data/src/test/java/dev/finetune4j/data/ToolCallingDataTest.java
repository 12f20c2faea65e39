package dev.finetune4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.data.encode.ChatTurnSlicer;
import dev.finetune4j.data.encode.EncodeResult;
import dev.finetune4j.data.encode.ExampleEncoder;
import dev.finetune4j.data.source.ChatExample;
import dev.finetune4j.data.source.Message;
import dev.finetune4j.data.source.ReadSample;
import dev.finetune4j.data.source.SampleReader;
import dev.finetune4j.tokenizer.ChatTemplate;
import dev.finetune4j.tokenizer.template.JinjaChatTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tool-calling chats (OpenAI/transformers shape and Bedrock Converse toolUse/toolResult) are parsed into the
 * values transformers hands to a chat template, validated with file:line errors, and masked so that assistant turns
 * (with their tool calls) are trained and tool results are not. Uses the committed tool-aware fixture template.
 */
class ToolCallingDataTest {
    static final String TOOLS = "[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\":"
            + " \"Weather of a city\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\":"
            + " \"string\"}}, \"required\": [\"city\"]}}}]";
    static final String OPENAI = "{\"tools\": " + TOOLS + ", \"messages\": ["
            + "{\"role\": \"user\", \"content\": \"Weather in Paris?\"},"
            + "{\"role\": \"assistant\", \"content\": \"Let me check.\", \"tool_calls\": [{\"id\": \"call_1\", \"type\":"
            + " \"function\", \"function\": {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}}]},"
            + "{\"role\": \"tool\", \"tool_call_id\": \"call_1\", \"name\": \"get_weather\", \"content\": \"22 C\"},"
            + "{\"role\": \"assistant\", \"content\": \"It is 22 C.\"}]}";
    static final String BEDROCK = "{\"schemaVersion\": \"bedrock-conversation-2024\", \"toolConfig\": {\"tools\":"
            + " [{\"toolSpec\": {\"name\": \"get_weather\", \"description\": \"Weather of a city\", \"inputSchema\":"
            + " {\"json\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\":"
            + " [\"city\"]}}}}]}, \"messages\": ["
            + "{\"role\": \"user\", \"content\": [{\"text\": \"Weather in Paris?\"}]},"
            + "{\"role\": \"assistant\", \"content\": [{\"text\": \"Let me check.\"}, {\"toolUse\": {\"toolUseId\":"
            + " \"call_1\", \"name\": \"get_weather\", \"input\": {\"city\": \"Paris\"}}}]},"
            + "{\"role\": \"user\", \"content\": [{\"toolResult\": {\"toolUseId\": \"call_1\", \"content\": [{\"text\":"
            + " \"22 C\"}]}}]},"
            + "{\"role\": \"assistant\", \"content\": [{\"text\": \"It is 22 C.\"}]}]}";

    @TempDir
    Path dir;

    static ChatTemplate fixtureTemplate() throws IOException {
        try (InputStream in = ToolCallingDataTest.class.getResourceAsStream("/templates/tool_chatml.jinja")) {
            return JinjaChatTemplate.compile(new String(in.readAllBytes(), StandardCharsets.UTF_8), "tool_chatml",
                    Map.of());
        }
    }

    private List<ReadSample> read(boolean validate, String... lines) {
        Path f = TestFiles.write(dir, "chat.jsonl", lines);
        List<ReadSample> out = new ArrayList<>();
        try (SampleReader r = SampleReader.open(f, TaskType.CHAT_COMPLETION, validate, true)) {
            while (r.hasNext()) {
                out.add(r.next());
            }
        }
        return out;
    }

    private List<String> problems(String... lines) {
        List<String> out = new ArrayList<>();
        for (ReadSample s : read(true, lines)) {
            s.asProblems().forEach(p -> out.add(p.toString()));
        }
        return out;
    }

    private static Map<String, Object> call(String id, String name, Object arguments) {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", name);
        function.put("arguments", arguments);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("id", id);
        c.put("type", "function");
        c.put("function", function);
        return c;
    }

    @Test
    void openAiShapeAndBedrockMapOntoTheSameConversation() {
        List<ReadSample> samples = read(true, OPENAI, BEDROCK);
        assertEquals(2, samples.size());
        samples.forEach(s -> assertTrue(s.valid(), s.problems().toString()));
        ChatExample openAi = (ChatExample) samples.get(0).example();
        ChatExample bedrock = (ChatExample) samples.get(1).example();
        List<Message> expected = List.of(new Message("user", "Weather in Paris?"),
                new Message("assistant", "Let me check.", List.of(call("call_1", "get_weather", Map.of("city",
                        "Paris"))), null, null),
                new Message("tool", "22 C", List.of(), "call_1", "get_weather"),
                new Message("assistant", "It is 22 C."));
        assertEquals(expected, openAi.messages());
        assertEquals(expected, bedrock.messages());
        assertEquals(openAi.tools(), bedrock.tools());
        Map<?, ?> tool = (Map<?, ?>) openAi.tools().get(0);
        assertEquals("get_weather", ((Map<?, ?>) tool.get("function")).get("name"));

        // as transformers passes them: tool_calls / tool_call_id / name are message fields; no content key when none
        Map<String, Object> asGiven = new Message("assistant", null, List.of(call("c", "f", "{}")), null, null)
                .asTemplateInput();
        assertEquals(List.of("role", "tool_calls"), new ArrayList<>(asGiven.keySet()));
        assertEquals(List.of("role", "content", "tool_call_id", "name"),
                new ArrayList<>(expected.get(2).asTemplateInput().keySet()));
    }

    @Test
    void assistantTurnsWithTheirToolCallsAreTrainedAndToolResultsAreNot() throws IOException {
        ChatExample chat = (ChatExample) read(true, OPENAI).get(0).example();
        ChatTemplate template = fixtureTemplate();
        FakeTokenizer tok = new FakeTokenizer(true, FakeTokenizer.EOS, template);
        ChatTurnSlicer slicer = new ChatTurnSlicer(template, Map.of());
        List<ChatTurnSlicer.TurnText> turns = slicer.slice(chat.messages(), chat.tools());
        String tools = "<|im_start|>system\n# Tools\n<tools>\n{\"type\": \"function\", \"function\": {\"name\":"
                + " \"get_weather\", \"description\": \"Weather of a city\", \"parameters\": {\"type\": \"object\","
                + " \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}\n</tools><|im_end|>\n";
        assertEquals(List.of(
                new ChatTurnSlicer.TurnText(tools + "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
                        + "<|im_start|>assistant\n",
                        "Let me check.\n<call>get_weather {\"city\": \"Paris\"}</call><|im_end|>\n"),
                new ChatTurnSlicer.TurnText("<|im_start|>tool\n22 C<|im_end|>\n<|im_start|>assistant\n",
                        "It is 22 C.<|im_end|>\n")), turns);

        EncodeResult r = new ExampleEncoder(tok, slicer, TargetPrompts.NONE, TargetResponses.ALL).encode(chat);
        assertNull(r.invalid());
        int[] ids = r.example().inputIds();
        int[] labels = r.example().labels();
        int[] trained = IntStream.range(0, ids.length).filter(i -> labels[i] != Batch.IGNORE_INDEX)
                .map(i -> ids[i]).toArray();
        int[] expectedTrained = IntStream.concat(IntStream.concat(
                IntStream.of(FakeTokenizer.ids("Let me check.\n<call>get_weather {\"city\": \"Paris\"}</call>"
                        + "<|im_end|>\n")),
                IntStream.of(FakeTokenizer.ids("It is 22 C.<|im_end|>\n"))), IntStream.of(FakeTokenizer.EOS)).toArray();
        assertArrayEquals(expectedTrained, trained);
        String all = tok.decode(ids, false);
        assertTrue(all.contains("<|im_start|>tool\n22 C<|im_end|>"), all);
        String untrained = tok.decode(IntStream.range(0, ids.length).filter(i -> labels[i] == Batch.IGNORE_INDEX)
                .map(i -> ids[i]).toArray(), false);
        assertTrue(untrained.contains("22 C<|im_end|>") && untrained.contains("<tools>"), untrained);
    }

    @Test
    void argumentsAsAJsonStringAndCallsWithoutTextOrIds() throws IOException {
        String line = "{\"messages\": [{\"role\": \"user\", \"content\": \"Weather in Paris and Rome?\"},"
                + "{\"role\": \"assistant\", \"content\": null, \"tool_calls\": ["
                + "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"arguments\":"
                + " \"{\\\"city\\\": \\\"Paris\\\"}\"}},"
                + "{\"function\": {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}}]},"
                + "{\"role\": \"tool\", \"content\": \"22 C\"}, {\"role\": \"tool\", \"content\": \"25 C\"},"
                + "{\"role\": \"assistant\", \"content\": \"Paris 22 C, Rome 25 C.\"}]}";
        ReadSample s = read(true, line).get(0);
        assertTrue(s.valid(), s.problems().toString());
        ChatExample chat = (ChatExample) s.example();
        assertNull(chat.messages().get(1).content());
        List<ChatTurnSlicer.TurnText> turns = new ChatTurnSlicer(fixtureTemplate(), Map.of()).slice(chat.messages(),
                chat.tools());
        assertEquals("<call>get_weather {\"city\": \"Paris\"}</call><call>get_weather {\"city\": \"Rome\"}</call>"
                + "<|im_end|>\n", turns.get(0).response());
        assertEquals("<|im_start|>tool\n22 C<|im_end|>\n<|im_start|>tool\n25 C<|im_end|>\n<|im_start|>assistant\n",
                turns.get(1).prompt());
    }

    @Test
    void malformedToolDataIsReportedWithFileAndLine() {
        String user = "{\"role\": \"user\", \"content\": \"Q\"}";
        String answer = "{\"role\": \"assistant\", \"content\": \"A\"}";
        String callTo = "{\"role\": \"assistant\", \"tool_calls\": [{\"id\": \"c1\", \"type\": \"function\","
                + " \"function\": {\"name\": \"f\", \"arguments\": {}}}]}";
        List<String> p = problems(
                "{\"messages\": [" + user + ", {\"role\": \"tool\", \"content\": \"x\"}, " + answer + "]}",
                "{\"messages\": [" + user + ", {\"role\": \"assistant\", \"tool_calls\": [{\"function\": {\"arguments\":"
                        + " {}}}]}, " + answer + "]}",
                "{\"messages\": [" + user + ", {\"role\": \"assistant\", \"tool_calls\": [{\"function\": {\"name\":"
                        + " \"f\", \"arguments\": \"{not json\"}}]}]}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Q\", \"tool_calls\": []}, " + answer + "]}",
                "{\"messages\": [" + user + ", " + callTo + ", {\"role\": \"tool\", \"tool_call_id\": \"c9\","
                        + " \"content\": \"x\"}, " + answer + "]}",
                "{\"messages\": [" + user + ", " + callTo + ", " + user + ", " + answer + "]}",
                "{\"tools\": {\"name\": \"f\"}, \"messages\": [" + user + ", " + answer + "]}",
                "{\"messages\": [" + user + ", {\"role\": \"assistant\", \"content\": \"A\", \"tool_calls\": [{\"type\":"
                        + " \"retrieval\", \"function\": {\"name\": \"f\", \"arguments\": 3}}]}]}",
                "{\"schemaVersion\": \"bedrock-conversation-2024\", \"messages\": [{\"role\": \"user\", \"content\":"
                        + " [{\"toolUse\": {\"toolUseId\": \"t\", \"name\": \"f\", \"input\": {}}}]}]}",
                "{\"schemaVersion\": \"bedrock-conversation-2024\", \"messages\": [{\"role\": \"user\", \"content\":"
                        + " [{\"text\": \"Q\"}]}, {\"role\": \"assistant\", \"content\": [{\"toolUse\": {\"toolUseId\":"
                        + " \"t\", \"name\": \"f\"}}]}]}");
        Path f = dir.resolve("chat.jsonl");
        assertEquals(List.of(
                f + ":1: messages[1] is a tool result without a preceding tool call; a tool message answers an"
                        + " assistant message's tool_calls",
                f + ":2: messages[1].tool_calls[0].function.name must be a non-empty string",
                f + ":3: messages[1].tool_calls[0].function.arguments is a string but not valid JSON: Unexpected"
                        + " character ('n' (code 110)): was expecting double-quote to start field name",
                f + ":4: messages[0] has 'tool_calls' but role 'user'; only assistant messages call tools",
                f + ":5: messages[2].tool_call_id 'c9' matches none of the pending tool calls [c1]",
                f + ":6: messages[2] has role 'user' but 1 tool call(s) of the previous assistant message have no tool"
                        + " result yet; each call needs a role 'tool' message",
                f + ":7: 'tools' must be a list of {\"type\": \"function\", \"function\": {\"name\", \"description\","
                        + " \"parameters\"}} JSON schemas, found object",
                f + ":8: messages[1].tool_calls[0].type must be \"function\", found \"retrieval\"",
                f + ":8: messages[1].tool_calls[0].function.arguments must be an object or a JSON string, found number",
                f + ":9: messages[0].content[0] is a toolUse block in a 'user' message; only the assistant calls tools",
                f + ":10: messages[1].content[0].toolUse must be {\"toolUseId\": string, \"name\": string, \"input\":"
                        + " object}, found keys [name, toolUseId]"), p);
    }
}
