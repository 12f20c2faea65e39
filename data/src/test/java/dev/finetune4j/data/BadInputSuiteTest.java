package dev.finetune4j.data;

import static dev.finetune4j.data.TestFiles.CHAT_OK;
import static dev.finetune4j.data.TestFiles.PR_OK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.data.source.ReadSample;
import dev.finetune4j.data.source.SampleReader;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One file per validation rule: a valid line, the bad line (line 2), another valid line. The problem must name
 * file and line 2, say what is wrong, and the run must fail with allow_percentage_invalid_samples 0.
 */
class BadInputSuiteTest {

    @TempDir
    Path dir;

    static Stream<Arguments> rules() {
        TaskType chat = TaskType.CHAT_COMPLETION;
        TaskType pr = TaskType.INSTRUCTION_FINETUNE;
        TaskType cpt = TaskType.CONTINUED_PRETRAIN;
        return Stream.of(
                Arguments.of("not-json", chat, "{\"messages\": [", "not valid JSON"),
                Arguments.of("trailing-garbage", chat, CHAT_OK + " x", "not valid JSON"),
                Arguments.of("not-object", chat, "[1, 2]", "not a JSON object (found array)"),
                Arguments.of("duplicate-key", chat, "{\"messages\": [], \"messages\": []}", "Duplicate field 'messages'"),
                Arguments.of("prompt-response-in-chat", chat, PR_OK, "set task_type: INSTRUCTION_FINETUNE"),
                Arguments.of("text-in-chat", chat, "{\"text\": \"abc\"}", "set task_type: CONTINUED_PRETRAIN"),
                Arguments.of("sharegpt-in-chat", chat, "{\"conversations\": [{\"from\": \"human\", \"value\": \"x\"}]}", "ShareGPT-style"),
                Arguments.of("unknown-keys", chat, "{\"dialog\": []}", "unknown example keys [dialog]"),
                Arguments.of("extra-key", chat, CHAT_OK.replace("{\"messages\"", "{\"id\": 7, \"messages\""), "unexpected key(s) [id]"),
                Arguments.of("messages-not-list", chat, "{\"messages\": \"hi\"}", "'messages' must be a list"),
                Arguments.of("messages-empty", chat, "{\"messages\": []}", "'messages' is empty"),
                Arguments.of("message-not-object", chat, "{\"messages\": [\"hi\", {\"role\": \"assistant\", \"content\": \"x\"}]}", "messages[0] must be an object"),
                Arguments.of("message-missing-content", chat, "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\"}]}", "messages[1] has no 'content'"),
                Arguments.of("message-extra-key", chat, "{\"messages\": [{\"role\": \"user\", \"content\": \"q\", \"weight\": 1}, {\"role\": \"assistant\", \"content\": \"a\"}]}", "messages[0] has unexpected key(s) [weight]"),
                Arguments.of("role-not-string", chat, "{\"messages\": [{\"role\": 1, \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"a\"}]}", "messages[0].role must be a string"),
                Arguments.of("content-not-string", chat, "{\"messages\": [{\"role\": \"user\", \"content\": 5}, {\"role\": \"assistant\", \"content\": \"a\"}]}", "messages[0].content must be a string, found number"),
                Arguments.of("bad-role", chat, "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"function\", \"content\": \"a\"}]}", "messages[1].role 'function' is not one of system, user, assistant, tool"),
                Arguments.of("tool-without-call", chat, "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"tool\", \"content\": \"a\"}]}", "messages[1] is a tool result without a preceding tool call"),
                Arguments.of("malformed-tool-calls", chat, "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"tool_calls\": [{\"function\": {\"name\": \"f\"}}]}]}", "messages[1].tool_calls[0].function.arguments is missing"),
                Arguments.of("system-not-first", chat, "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"assistant\", \"content\": \"a\"}]}", "system is only allowed as the first message"),
                Arguments.of("no-alternation", chat, "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"user\", \"content\": \"q2\"}, {\"role\": \"assistant\", \"content\": \"a\"}]}", "messages[1] has role 'user' but 'assistant' was expected"),
                Arguments.of("starts-with-assistant", chat, "{\"messages\": [{\"role\": \"assistant\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"a\"}]}", "messages[0] has role 'assistant' but 'user' was expected"),
                Arguments.of("last-not-assistant", chat, "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"q\"}]}", "the last message has role 'user'"),
                Arguments.of("only-system", chat, "{\"messages\": [{\"role\": \"system\", \"content\": \"s\"}]}", "the last message has role 'system'"),
                Arguments.of("empty-content", chat, "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"  \"}]}", "messages[1].content is empty"),
                Arguments.of("bedrock-image-block", chat, "{\"schemaVersion\": \"bedrock-conversation-2024\", \"messages\": [{\"role\": \"user\", \"content\": [{\"image\": {}}]}, {\"role\": \"assistant\", \"content\": [{\"text\": \"a\"}]}]}", "other content is not supported"),
                Arguments.of("bedrock-system-not-list", chat, "{\"schemaVersion\": \"bedrock-conversation-2024\", \"system\": \"s\", \"messages\": [{\"role\": \"user\", \"content\": [{\"text\": \"q\"}]}, {\"role\": \"assistant\", \"content\": [{\"text\": \"a\"}]}]}", "system must be a list of {\"text\"} blocks"),
                Arguments.of("bedrock-extra-key", chat, "{\"schemaVersion\": \"bedrock-conversation-2024\", \"modelId\": \"x\", \"messages\": [{\"role\": \"user\", \"content\": [{\"text\": \"q\"}]}, {\"role\": \"assistant\", \"content\": [{\"text\": \"a\"}]}]}", "unexpected key(s) [modelId]"),
                Arguments.of("pr-missing-response", pr, "{\"prompt\": \"q\"}", "are incomplete"),
                Arguments.of("pr-both-responses", pr, "{\"prompt\": \"q\", \"response\": \"a\", \"completion\": \"a\"}", "has both 'response' and 'completion'"),
                Arguments.of("pr-extra-key", pr, "{\"prompt\": \"q\", \"response\": \"a\", \"id\": 1}", "unexpected key(s) [id]"),
                Arguments.of("pr-not-string", pr, "{\"prompt\": \"q\", \"response\": 4}", "'response' must be a string, found number"),
                Arguments.of("pr-empty-response", pr, "{\"prompt\": \"q\", \"completion\": \"\"}", "'completion' is empty"),
                Arguments.of("pr-empty-prompt", pr, "{\"prompt\": \" \", \"response\": \"a\"}", "'prompt' is empty"),
                Arguments.of("chat-in-pr", pr, CHAT_OK, "set task_type: CHAT_COMPLETION"),
                Arguments.of("alpaca-in-pr", pr, "{\"instruction\": \"q\", \"response\": \"a\"}", "rename 'instruction'"),
                Arguments.of("cpt-text-not-string", cpt, "{\"text\": [\"a\"]}", "'text' must be a string"),
                Arguments.of("cpt-empty-text", cpt, "{\"text\": \"\"}", "'text' is empty"),
                Arguments.of("chat-in-cpt", cpt, CHAT_OK, "set task_type: CHAT_COMPLETION"));
    }

    private static String okLine(TaskType t) {
        return switch (t) {
            case CHAT_COMPLETION -> CHAT_OK;
            case INSTRUCTION_FINETUNE -> PR_OK;
            case CONTINUED_PRETRAIN -> "{\"text\": \"some text\"}";
        };
    }

    private static List<ReadSample> readAll(Path p, TaskType t, boolean allowSystem) {
        List<ReadSample> out = new ArrayList<>();
        try (SampleReader r = SampleReader.open(p, t, true, allowSystem)) {
            r.forEachRemaining(out::add);
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void eachRuleNamesFileLineAndReason(String rule, TaskType type, String badLine, String expected) {
        Path file = TestFiles.write(dir, rule + ".jsonl", okLine(type), badLine, okLine(type));
        List<ReadSample> samples = readAll(file, type, true);
        assertEquals(3, samples.size());
        assertTrue(samples.get(0).valid(), () -> samples.get(0).problems().toString());
        assertTrue(samples.get(2).valid());
        String reported = samples.get(1).asProblems().toString();
        assertTrue(reported.contains(file + ":2: "), reported);
        assertTrue(reported.contains(expected), "expected '" + expected + "' in " + reported);

        DataOptions options = DataOptions.defaults(type, file, type == TaskType.CONTINUED_PRETRAIN ? 4 : 64);
        DataValidationException e = assertThrows(DataValidationException.class,
                () -> DatasetPreparer.prepare(options, FakeTokenizer.plain()));
        assertTrue(e.getMessage().contains("1 of 3 samples (33.33%)"), e.getMessage());
        assertTrue(e.getMessage().contains(file + ":2: "), e.getMessage());
        // under the allowed share the bad sample is skipped and counted
        PreparedData ok = DatasetPreparer.prepare(options.toBuilder().allowPercentageInvalidSamples(34).build(), FakeTokenizer.plain());
        assertEquals(1, ok.report().invalidSamples());
        if (type != TaskType.CONTINUED_PRETRAIN) {
            assertEquals(2, ok.trainStats().examples());
        }
    }

    @Test
    void withoutValidationOnlyStructuralProblemsCount() {
        String twoUsers = "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"user\", \"content\": \"\"}, {\"role\": \"assistant\", \"content\": \"a\"}]}";
        String endsWithUser = "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"q\"}]}";
        Path file = TestFiles.write(dir, "lenient.jsonl", twoUsers, endsWithUser, "{\"messages\": \"x\"}");
        FakeTokenizer tok = new FakeTokenizer(true, FakeTokenizer.EOS, dev.finetune4j.tokenizer.ChatTemplates.defaultChatMl());
        PreparedData d = DatasetPreparer.validate(DataOptions.builder(TaskType.CHAT_COMPLETION, file, 256).validateInputs(false).build(), tok);
        List<String> problems = d.report().problems().stream().map(Object::toString).toList();
        assertEquals(List.of(file + ":2: the last message must be from the assistant",
                file + ":3: 'messages' must be a list of {\"role\", \"content\"} objects, found string"), problems);
        assertEquals(1, d.trainStats().examples(), "the user/user/assistant chat is encoded as the template renders it");
    }

    @Test
    void invalidUtf8IsReportedPerLine() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes((CHAT_OK + "\n").getBytes(StandardCharsets.UTF_8));
        b.writeBytes("{\"messages\": [{\"role\": \"user\", \"content\": \"caf".getBytes(StandardCharsets.UTF_8));
        b.writeBytes(new byte[] {(byte) 0xC3, (byte) 0x28});
        b.writeBytes("\"}, {\"role\": \"assistant\", \"content\": \"a\"}]}\n".getBytes(StandardCharsets.UTF_8));
        b.writeBytes((CHAT_OK + "\n").getBytes(StandardCharsets.UTF_8));
        Path file = TestFiles.writeBytes(dir, "bad-utf8.jsonl", b.toByteArray());
        List<ReadSample> samples = readAll(file, TaskType.CHAT_COMPLETION, true);
        assertEquals(3, samples.size());
        assertEquals(List.of(file + ":2: not valid UTF-8 (bad byte sequence at byte 46)"), samples.get(1).asProblems().stream().map(Object::toString).toList());
        assertTrue(samples.get(2).valid());
    }

    @Test
    void validateReportsFailuresInsteadOfThrowing() {
        Path file = TestFiles.write(dir, "mixed.jsonl", CHAT_OK, TestFiles.PR_OK, CHAT_OK);
        PreparedData d = DatasetPreparer.validate(DataOptions.defaults(TaskType.CHAT_COMPLETION, file, 64), FakeTokenizer.plain());
        assertEquals(List.of("1 of 3 samples (33.33%) in " + file + " are invalid; allow_percentage_invalid_samples is 0.0"), d.failures());
        assertTrue(!d.ok());
        String text = d.format();
        assertTrue(text.contains(file + ":2: this is a prompt/response example"), text);
        assertTrue(text.contains("FAIL: 1 of 3 samples"), text);
        assertTrue(text.contains("examples: 2, tokens: "), text);
        Path allBad = TestFiles.write(dir, "all-bad.jsonl", TestFiles.PR_OK);
        PreparedData none = DatasetPreparer.validate(DataOptions.defaults(TaskType.CHAT_COMPLETION, allBad, 64), FakeTokenizer.plain());
        assertEquals(2, none.failures().size());
        assertEquals(0, none.train().rows());
    }

    @Test
    void mistralFamilyRejectsSystemMessages() {
        String withSystem = "{\"messages\": [{\"role\": \"system\", \"content\": \"be brief\"}, {\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"a\"}]}";
        Path file = TestFiles.write(dir, "mistral-system.jsonl", CHAT_OK, withSystem);
        assertTrue(readAll(file, TaskType.CHAT_COMPLETION, true).get(1).valid());
        String reported = readAll(file, TaskType.CHAT_COMPLETION, false).get(1).asProblems().toString();
        assertTrue(reported.contains(file + ":2: messages[0] is a system message, but this model's chat template (Mistral and Gemma families) takes no system messages"), reported);
        assertTrue(DataOptions.systemAllowedFor("llama"));
        assertTrue(!DataOptions.systemAllowedFor("mistral") && !DataOptions.systemAllowedFor("mixtral"));
    }

    @Test
    void blankLinesAreNotedNotCounted() {
        Path file = TestFiles.write(dir, "blank.jsonl", CHAT_OK, "", CHAT_OK);
        PreparedData d = DatasetPreparer.prepare(DataOptions.defaults(TaskType.CHAT_COMPLETION, file, 64), FakeTokenizer.plain());
        assertEquals(2, d.report().samples());
        assertEquals(List.of(file + ":2: blank line skipped"), d.report().notes().stream().map(Object::toString)
                .filter(n -> !n.contains("no chat template")).toList());
        assertTrue(d.report().notes().get(0).reason().startsWith("the tokenizer has no chat template; the ChatML default"));
    }

    @Test
    void unreadableInputsRaiseDataFormatExceptionNamingThePath() throws Exception {
        Path empty = TestFiles.writeBytes(dir, "empty.jsonl", new byte[0]);
        assertFormatError(empty, TaskType.CHAT_COMPLETION, empty + ": file is empty");
        Path blanks = TestFiles.write(dir, "blanks.jsonl", "", "  ");
        assertFormatError(blanks, TaskType.CHAT_COMPLETION, blanks + ": holds no records (only blank lines)");
        Path missing = dir.resolve("nope.jsonl");
        assertFormatError(missing, TaskType.CHAT_COMPLETION, missing + ": does not exist");
        Path emptyDir = Files.createDirectories(dir.resolve("empty-folder"));
        assertFormatError(emptyDir, TaskType.CONTINUED_PRETRAIN, emptyDir + ": folder holds no .csv / .json / .jsonl / .parquet / .txt file");
        Path tsv = TestFiles.write(dir, "data.tsv", "prompt\tresponse");
        assertFormatError(tsv, TaskType.INSTRUCTION_FINETUNE,
                tsv + ": a INSTRUCTION_FINETUNE data file must end in .csv / .json / .jsonl / .parquet, found '.tsv'");
        Path headerOnly = TestFiles.write(dir, "data.csv", "prompt,response");
        assertFormatError(headerOnly, TaskType.INSTRUCTION_FINETUNE, headerOnly + ": holds no rows");
        Path notArray = TestFiles.write(dir, "scalar.json", "42");
        assertFormatError(notArray, TaskType.INSTRUCTION_FINETUNE, notArray + ": a .json data file must hold one array of records or JSON lines");
        Path brokenArray = TestFiles.write(dir, "broken.json", "[", PR_OK + ",", "{\"prompt\": ");
        assertFormatError(brokenArray, TaskType.INSTRUCTION_FINETUNE, brokenArray + ": line 4: not valid JSON");
    }

    private static void assertFormatError(Path p, TaskType t, String expectedStart) {
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> DatasetPreparer.prepare(DataOptions.defaults(t, p, 64), FakeTokenizer.plain()));
        assertTrue(e.getMessage().startsWith(expectedStart), e.getMessage());
    }

    @Test
    void textFoldersReportBadDocumentsByFile() {
        Path folder = dir.resolve("cpt");
        TestFiles.write(folder, "a.txt", "first document");
        TestFiles.writeBytes(folder, "b.txt", new byte[0]);
        TestFiles.writeBytes(folder, "c.txt", new byte[] {'o', 'k', '\n', 'x', (byte) 0xFF, 'y'});
        TestFiles.write(folder, "notes.md", "ignored");
        List<ReadSample> samples = readAll(folder, TaskType.CONTINUED_PRETRAIN, true);
        List<String> problems = samples.stream().flatMap(s -> s.asProblems().stream()).map(Object::toString).toList();
        assertEquals(List.of(folder.resolve("b.txt") + ": empty document",
                folder.resolve("c.txt") + ":2: not valid UTF-8 (bad byte sequence); the document is skipped"), problems);
        DataOptions o = DataOptions.builder(TaskType.CONTINUED_PRETRAIN, folder, 4).allowPercentageInvalidSamples(70).build();
        PreparedData d = DatasetPreparer.prepare(o, FakeTokenizer.plain());
        assertEquals(3, d.report().samples());
        assertEquals(2, d.report().invalidSamples());
        assertTrue(d.report().notes().toString().contains("notes.md: ignored"), d.report().notes().toString());
    }
}
