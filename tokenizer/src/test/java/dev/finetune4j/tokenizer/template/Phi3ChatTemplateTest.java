package dev.finetune4j.tokenizer.template;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real Phi-3 mini instruct chat template (resource {@code chat-templates/phi3-mini-4k-instruct.json}, copied from
 * the model's tokenizer_config.json) renders through the interpreter; the expected text is written out by hand from
 * the template: {@code <|role|>\n content <|end|>\n} per message, then {@code <|assistant|>\n} or the EOS token.
 */
class Phi3ChatTemplateTest {

    private static JinjaChatTemplate template() throws IOException {
        try (InputStream in = Phi3ChatTemplateTest.class.getResourceAsStream(
                "/chat-templates/phi3-mini-4k-instruct.json")) {
            JsonNode config = new ObjectMapper().readTree(in);
            return JinjaChatTemplate.compile(config.get("chat_template").asText(), "phi3-mini-4k-instruct",
                    Map.of("bos_token", config.get("bos_token").asText(),
                            "eos_token", config.get("eos_token").asText()));
        }
    }

    private static final List<Map<String, Object>> CHAT = List.of(
            Map.of("role", "system", "content", "You are terse."),
            Map.of("role", "user", "content", "2+2?"),
            Map.of("role", "assistant", "content", "4"),
            Map.of("role", "user", "content", "And {{ 3*3 }}?"));

    @Test
    void generationPromptEndsWithTheAssistantTag() throws IOException {
        assertEquals("<|system|>\nYou are terse.<|end|>\n<|user|>\n2+2?<|end|>\n<|assistant|>\n4<|end|>\n"
                + "<|user|>\nAnd {{ 3*3 }}?<|end|>\n<|assistant|>\n", template().render(CHAT, true, Map.of()));
    }

    @Test
    void aFinishedConversationEndsWithTheEosToken() throws IOException {
        assertEquals("<|user|>\n2+2?<|end|>\n<|assistant|>\n4<|end|>\n<|endoftext|>",
                template().render(CHAT.subList(1, 3), false, Map.of()));
        // add_generation_prompt not passed at all: undefined is falsy, as in transformers
        assertEquals("<|user|>\nhi<|end|>\n<|endoftext|>",
                template().render(List.of(Map.of("role", "user", "content", "hi")), null, Map.of()));
    }

    @Test
    void rolesOutsideTheTemplateAreSkipped() throws IOException {
        assertEquals("<|user|>\nq<|end|>\n<|assistant|>\n", template().render(List.of(
                Map.of("role", "tool", "content", "ignored"), Map.of("role", "user", "content", "q")), true,
                Map.of()));
    }
}
