package dev.finetune4j.tokenizer.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.tokenizer.ChatTemplateException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Mixtral-8x7B-Instruct's chat template (test resource {@code chat-templates/}, source named in its README) through
 * the project's interpreter; the expected texts are written out by hand from the template ({@code [INST] … [/INST]}
 * around user turns, {@code eos} after assistant turns, one {@code bos} in front).
 */
class MixtralChatTemplateTest {

    private static JinjaChatTemplate template() throws IOException {
        try (InputStream in = MixtralChatTemplateTest.class.getResourceAsStream(
                "/chat-templates/mixtral-8x7b-instruct-v0.1.jinja")) {
            String source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return JinjaChatTemplate.compile(source, "mixtral-8x7b-instruct",
                    Map.of("bos_token", "<s>", "eos_token", "</s>"));
        }
    }

    private static Map<String, Object> msg(String role, String content) {
        return Map.of("role", role, "content", content);
    }

    @Test
    void rendersAlternatingTurns() throws IOException {
        String out = template().render(List.of(msg("user", "Hello, how are you?"),
                msg("assistant", "I'm doing great. How can I help you today?"),
                msg("user", "I'd like to show off how chat templating works!")), null, Map.of());
        assertEquals("<s>[INST] Hello, how are you? [/INST]I'm doing great. How can I help you today?</s>"
                + "[INST] I'd like to show off how chat templating works! [/INST]", out);
        // a training example ends with the assistant's answer and eos
        assertEquals("<s>[INST] 2+2? [/INST]4</s>", template().render(List.of(msg("user", "2+2?"),
                msg("assistant", "4")), null, Map.of()));
    }

    @Test
    void refusesWhatTheTemplateRefuses() throws IOException {
        JinjaChatTemplate t = template();
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(List.of(
                msg("system", "Be brief."), msg("user", "Hi")), null, Map.of()));
        assertTrue(e.getMessage().contains("Conversation roles must alternate"), e.getMessage());
        ChatTemplateException e2 = assertThrows(ChatTemplateException.class, () -> t.render(List.of(
                msg("user", "Hi"), msg("tool", "x")), null, Map.of()));
        assertTrue(e2.getMessage().contains("Only user and assistant roles are supported!"), e2.getMessage());
    }
}
