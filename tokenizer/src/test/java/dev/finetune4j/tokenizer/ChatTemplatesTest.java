package dev.finetune4j.tokenizer;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.tokenizer.template.JinjaChatTemplate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ChatML fallback, the missing-template error, and templates from real tokenizer folders. */
class ChatTemplatesTest {
    private static final List<Map<String, Object>> CHAT = List.of(
            Map.of("role", "system", "content", "Be brief."),
            Map.of("role", "user", "content", "Hi"),
            Map.of("role", "assistant", "content", "Hello!"));

    private static HfTokenizer tokenizer(String name) {
        return TokenizerCasesTest.tokenizer(Conformance.path("tokenizers/" + name));
    }

    @Test
    void chatMlDefault() {
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplates.defaultChatMl().render(CHAT, true, Map.of()));
    }

    @Test
    void missingTemplateIsAnErrorUnlessTheDefaultIsAllowed() {
        HfTokenizer gpt2 = tokenizer("gpt2");
        MissingChatTemplateException e = assertThrows(MissingChatTemplateException.class,
                () -> ChatTemplates.resolve(gpt2, false));
        assertTrue(e.getMessage().contains("no chat template"), e.getMessage());
        assertEquals(ChatTemplates.defaultChatMl().render(CHAT, false, Map.of()),
                ChatTemplates.resolve(gpt2, true).render(CHAT, false, Map.of()));
        HfTokenizer qwen = tokenizer("qwen2.5");
        assertSame(qwen.chatTemplate().orElseThrow(), ChatTemplates.resolve(qwen, false));
    }

    @Test
    void llamaFolderTemplateUsesSpecialTokensAndTheClock() {
        JinjaChatTemplate t = (JinjaChatTemplate) tokenizer("llama3.2").chatTemplate().orElseThrow();
        String out = t.withClock(Clock.fixed(Instant.parse("2025-07-10T08:00:00Z"), ZoneOffset.UTC))
                .render(CHAT, true, Map.of());
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 10 Jul 2025\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", out);
        assertEquals(out.replace("10 Jul 2025", "26 Jul 2024"), t.render(CHAT, true, Map.of("date_string",
                "26 Jul 2024")), "date_string in the extra context wins");
    }

    @Test
    void qwenFolderTemplate() {
        String out = tokenizer("qwen2.5").chatTemplate().orElseThrow().render(CHAT.subList(1, 3), false, Map.of());
        assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
                + "<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n", out);
    }
}
