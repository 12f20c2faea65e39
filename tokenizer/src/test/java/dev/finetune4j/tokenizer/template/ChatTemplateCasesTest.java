package dev.finetune4j.tokenizer.template;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * ../shared/conformance/chat-templates/cases.json: every real model template renders byte for byte as Python Jinja2
 * does under transformers' settings ({@code expected}, or {@code expected_python_jinja2} where the @huggingface/jinja
 * expectation differs from Python).
 */
class ChatTemplateCasesTest {

    @TestFactory
    Stream<DynamicTest> everyCaseRendersByteForByte() {
        JsonNode file = Conformance.json(Conformance.path("chat-templates/cases.json"));
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : file.get("cases")) {
            tests.add(DynamicTest.dynamicTest(c.get("id").asText(), () -> check(c)));
        }
        assertEquals(file.path("counts").path("cases").asInt(), tests.size(), "case count");
        return tests.stream();
    }

    static String expected(JsonNode c) {
        boolean pythonMatches = c.path("python_jinja2_check").path("matches_expected").asBoolean(true);
        return pythonMatches ? c.get("expected").asText() : c.get("expected_python_jinja2").asText();
    }

    static String render(JsonNode c) {
        JsonNode opts = c.get("render_options");
        assertTrue(opts.get("trim_blocks").asBoolean() && opts.get("lstrip_blocks").asBoolean()
                && !opts.get("keep_trailing_newline").asBoolean(), "cases use transformers' whitespace settings");
        LocalDate date = LocalDate.parse(opts.get("strftime_now_date").asText());
        Clock clock = Clock.fixed(date.atStartOfDay(ZoneOffset.UTC).toInstant(), ZoneOffset.UTC);
        JinjaChatTemplate template = JinjaChatTemplate.compile(c.get("template").asText(), c.get("id").asText(),
                Map.of()).withClock(clock);
        List<Map<String, Object>> messages = Conformance.mapper().convertValue(c.get("messages"),
                new TypeReference<>() { });
        Map<String, Object> extra = Conformance.mapper().convertValue(c.get("extra_context"),
                new TypeReference<>() { });
        Boolean agp = c.get("add_generation_prompt").isNull() ? null : c.get("add_generation_prompt").asBoolean();
        return template.render(messages, agp, extra);
    }

    private static void check(JsonNode c) {
        assertEquals(expected(c), render(c));
    }
}
