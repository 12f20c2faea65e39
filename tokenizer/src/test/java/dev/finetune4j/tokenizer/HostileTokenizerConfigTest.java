package dev.finetune4j.tokenizer;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hostile chat_template in tokenizer_config.json gets the same render budget and nesting limit. */
class HostileTokenizerConfigTest {
    @TempDir
    Path dir;

    private HfTokenizer folderWithTemplate(String template) throws Exception {
        Path gpt2 = Conformance.dir().resolve("tokenizers/gpt2");
        Files.copy(gpt2.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        ObjectNode config = (ObjectNode) Conformance.json(gpt2.resolve("tokenizer_config.json"));
        config.put("chat_template", template);
        Files.writeString(dir.resolve("tokenizer_config.json"), config.toString());
        return HfTokenizer.load(dir);
    }

    @Test
    void templateFromTheFolderIsBounded() throws Exception {
        HfTokenizer tok = folderWithTemplate("{% for m in messages %}{% for i in range(100000) %}"
                + "{% for j in range(100000) %}{% endfor %}{% endfor %}{% endfor %}");
        ChatTemplateException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(
                ChatTemplateException.class, () -> tok.chatTemplate().orElseThrow().render(
                        List.of(Map.of("role", "user", "content", "hi")), true, Map.of())));
        assertTrue(e.getMessage().contains(":chat_template' line 1 (message 0) failed: RenderLimitError")
                && e.getMessage().contains("maxSteps"), e.getMessage());
    }

    @Test
    void deeplyNestedTemplateFromTheFolderIsASyntaxError() throws Exception {
        HfTokenizer tok = folderWithTemplate("{% if true %}".repeat(3000) + "{% endif %}".repeat(3000));
        ChatTemplateException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(
                ChatTemplateException.class, () -> tok.chatTemplate()));
        assertTrue(e.getMessage().contains("RenderLimits.maxNesting"), e.getMessage());
    }
}
