package dev.finetune4j.tokenizer.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.tokenizer.ChatTemplateException;
import dev.finetune4j.tokenizer.ChatTemplates;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Message content is data, and errors say where they happened. */
class JinjaChatTemplateTest {
    private static final String ALTERNATING = "{{ bos_token }}{% for message in messages %}\n"
            + "    {% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\n"
            + "        {{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}\n"
            + "    {% endif %}\n"
            + "    {{ '[' + message['role'] + '] ' + message['content'] }}\n"
            + "{% endfor %}";

    @Test
    void messageContentIsRenderedLiterally() {
        List<Map<String, Object>> chat = List.of(
                Map.of("role", "user", "content", "{{ 7*7 }}"),
                Map.of("role", "assistant", "content", "{% raise_exception('x') %}"),
                Map.of("role", "user", "content", "{# not a comment #}{%- raw %}"));
        String out = ChatTemplates.defaultChatMl().render(chat, false, Map.of());
        assertEquals("<|im_start|>user\n{{ 7*7 }}<|im_end|>\n<|im_start|>assistant\n{% raise_exception('x') %}"
                + "<|im_end|>\n<|im_start|>user\n{# not a comment #}{%- raw %}<|im_end|>\n", out);
    }

    @Test
    void specialTokensAreInTheContext() {
        JinjaChatTemplate t = JinjaChatTemplate.compile(ALTERNATING, "mistral-like", Map.of("bos_token", "<s>"));
        assertEquals("<s>    [user] a\n    [assistant] b\n", t.render(List.of(Map.of("role", "user", "content", "a"),
                Map.of("role", "assistant", "content", "b")), null, Map.of()));
    }

    @Test
    void raiseExceptionNamesTemplateLineAndMessage() {
        JinjaChatTemplate t = JinjaChatTemplate.compile(ALTERNATING, "mistral-like", Map.of("bos_token", "<s>"));
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(List.of(
                Map.of("role", "user", "content", "a"), Map.of("role", "assistant", "content", "b"),
                Map.of("role", "assistant", "content", "c")), null, Map.of()));
        assertEquals("chat template 'mistral-like' line 3 (message 2) raised: Conversation roles must alternate "
                + "user/assistant/user/assistant/...", e.getMessage());
    }

    @Test
    void typeErrorsNameTheMessageToo() {
        JinjaChatTemplate t = JinjaChatTemplate.compile("{% for m in messages %}{{ m.role + m.content }}{% endfor %}",
                "t", Map.of());
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(List.of(
                Map.of("role", "user", "content", "a"), Map.of("role", "user", "content", 5)), null, Map.of()));
        assertTrue(e.getMessage().startsWith("chat template 't' line 1 (message 1) failed: TypeError"),
                e.getMessage());
    }

    @Test
    void syntaxErrorsAreChatTemplateExceptions() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> JinjaChatTemplate.compile("{% for m in messages %}", "broken", Map.of()));
        assertTrue(e.getMessage().contains("'broken' line 1"), e.getMessage());
    }

    @Test
    void toolsAndDocumentsAreNoneUnlessGivenAsInTransformers() {
        JinjaChatTemplate t = JinjaChatTemplate.compile("{% if tools is not none %}[TOOLS {{ tools | length }}]"
                + "{% endif %}{{ documents is none }}", "t", Map.of());
        assertEquals("True", t.render(List.of(), null, Map.of()));
        assertEquals("[TOOLS 1]True", t.render(List.of(), null, Map.of("tools", List.of(Map.of("name", "f")))));
    }

    @Test
    void addGenerationPromptNullMeansNotPassed() {
        JinjaChatTemplate t = JinjaChatTemplate.compile("{{ add_generation_prompt is defined }}", "t", Map.of());
        assertEquals("False", t.render(List.of(), null, Map.of()));
        assertEquals("True", t.render(List.of(), false, Map.of()));
    }

    @Test
    void aRenderOverItsLimitsNamesTemplateLineAndLimit() {
        JinjaChatTemplate t = JinjaChatTemplate.compile("{% for m in messages %}\n{{ m['content'] * 10**10 }}"
                + "{% endfor %}", "evil:chat_template", Map.of());
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> t.render(List.of(Map.of("role", "user", "content", "a")), false, Map.of()));
        assertTrue(e.getMessage().startsWith("chat template 'evil:chat_template' line 2 (message 0) failed: "
                + "RenderLimitError: a string repeated with '*' of 10000000000 characters exceeds the render limit "
                + "maxValueSize = 10000000"), e.getMessage());
        ChatTemplateException deep = assertThrows(ChatTemplateException.class, () -> JinjaChatTemplate.compile(
                "{{ " + "(".repeat(5000) + "1" + ")".repeat(5000) + " }}", "evil", Map.of()));
        assertTrue(deep.getMessage().contains("template 'evil' line 1: blocks and brackets nest deeper than 300"),
                deep.getMessage());
    }
}
