package dev.finetune4j.data;

import static dev.finetune4j.data.TestFiles.CHAT_OK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.tokenizer.ChatTemplate;
import dev.finetune4j.tokenizer.template.JinjaChatTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemma 2's real chat template ({@code templates/gemma2_it.jinja}: the {@code chat_template} of
 * google/gemma-2-2b-it's and google/gemma-2-9b-it's tokenizer_config.json, byte for byte) through the project's Jinja
 * interpreter, with the expected text written by hand from the template; and the data pipeline refusing system
 * messages for {@code model_type} gemma2, as the template does.
 */
class Gemma2ChatTemplateTest {

    @TempDir
    Path dir;

    static ChatTemplate gemma2() throws IOException {
        try (InputStream in = Gemma2ChatTemplateTest.class.getResourceAsStream("/templates/gemma2_it.jinja")) {
            return JinjaChatTemplate.compile(new String(in.readAllBytes(), StandardCharsets.UTF_8), "gemma2_it",
                    Map.of("bos_token", "<bos>", "eos_token", "<eos>"));
        }
    }

    @Test
    void rendersTurnsAsUserAndModelWithTrimmedContent() throws IOException {
        List<Map<String, Object>> chat = List.of(
                Map.of("role", "user", "content", "  What is 2+2?\n"),
                Map.of("role", "assistant", "content", "4 "),
                Map.of("role", "user", "content", "And 3+3?"));
        assertEquals("<bos><start_of_turn>user\nWhat is 2+2?<end_of_turn>\n"
                + "<start_of_turn>model\n4<end_of_turn>\n"
                + "<start_of_turn>user\nAnd 3+3?<end_of_turn>\n"
                + "<start_of_turn>model\n", gemma2().render(chat, true, Map.of()));
        assertEquals("<bos><start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n4<end_of_turn>\n",
                gemma2().render(chat.subList(0, 2), false, Map.of()));
    }

    @Test
    void refusesSystemMessagesAndOutOfOrderRoles() throws IOException {
        RuntimeException system = assertThrows(RuntimeException.class, () -> gemma2().render(List.of(
                Map.of("role", "system", "content", "Be brief."), Map.of("role", "user", "content", "Hi")),
                false, Map.of()));
        assertTrue(system.getMessage().contains("System role not supported"), system.getMessage());
        RuntimeException order = assertThrows(RuntimeException.class, () -> gemma2().render(List.of(
                Map.of("role", "assistant", "content", "Hello"), Map.of("role", "user", "content", "Hi")),
                false, Map.of()));
        assertTrue(order.getMessage().contains("Conversation roles must alternate"), order.getMessage());
    }

    @Test
    void gemmaDataRefusesSystemMessagesWithTheReason() throws IOException {
        assertFalse(DataOptions.systemAllowedFor("gemma2"));
        assertFalse(DataOptions.systemAllowedFor("gemma"));
        FakeTokenizer tokenizer = new FakeTokenizer(true, FakeTokenizer.EOS, gemma2());
        assertFalse(DatasetPreparer.templateAcceptsSystem(tokenizer), "the template's refusal is detected");
        String withSystem = "{\"messages\": [{\"role\": \"system\", \"content\": \"be brief\"}, {\"role\": \"user\","
                + " \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"a\"}]}";
        Path file = TestFiles.write(dir, "gemma.jsonl", CHAT_OK, withSystem);
        DataOptions options = DataOptions.defaults(TaskType.CHAT_COMPLETION, file, 256).toBuilder()
                .allowPercentageInvalidSamples(60).build();
        PreparedData d = DatasetPreparer.prepare(options, tokenizer);
        assertEquals(2, d.report().samples());
        assertEquals(1, d.report().invalidSamples());
        String problems = d.report().problems().toString();
        assertTrue(problems.contains(file + ":2: messages[0] is a system message, but this model's chat template"),
                problems);
        assertTrue(problems.contains("takes no system messages"), problems);
        assertEquals(1, d.train().rows(), "the valid chat is prepared through the Gemma template");
        dev.finetune4j.data.Batch b = d.train().loader(1, 0).next();
        StringBuilder input = new StringBuilder();
        StringBuilder trained = new StringBuilder();
        for (int t = 0; t < b.seqLen(); t++) {
            if (b.inputIds()[t] >= 100) {
                input.appendCodePoint(b.inputIds()[t] - 100);
            }
            if (b.labels()[t] >= 100) {
                trained.appendCodePoint(b.labels()[t] - 100);
            }
        }
        // the rendered turns (bos_token is the text "<bos>" here); only the model's answer turn is trained
        assertTrue(input.toString().startsWith("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n"
                + "Hello!<end_of_turn>\n"), input.toString());
        assertEquals("Hello!<end_of_turn>\n", trained.toString());
    }
}
