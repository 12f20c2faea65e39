package dev.finetune4j.tokenizer.jinja;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * ../shared/conformance/chat-templates/jinja-syntax-cases.json against {@code expected_python_jinja2} with stock Jinja2
 * settings (no trim/lstrip); a null expectation must raise. Cases listed in {@link #UNSUPPORTED} are skipped with
 * their reason printed and counted; at least 95% must run and pass.
 */
class JinjaSyntaxCasesTest {
    /** Case id → why it is not supported. */
    static final Map<String, String> UNSUPPORTED = Map.of();

    private static int total;
    private static int skipped;

    @AfterAll
    static void report() {
        System.out.println("jinja-syntax-cases: " + (total - skipped) + "/" + total + " run, " + skipped
                + " skipped as unsupported");
        assertTrue(total == 0 || (total - skipped) * 100 >= 95 * total, "fewer than 95% of the cases run");
    }

    @TestFactory
    Stream<DynamicTest> everyCaseMatchesPythonJinja2() {
        JsonNode file = Conformance.json(Conformance.path("chat-templates/jinja-syntax-cases.json"));
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : file.get("cases")) {
            String id = c.get("id").asText();
            total++;
            if (UNSUPPORTED.containsKey(id)) {
                skipped++;
            }
            tests.add(DynamicTest.dynamicTest(id, () -> check(id, c)));
        }
        return tests.stream();
    }

    private static void check(String id, JsonNode c) {
        if (UNSUPPORTED.containsKey(id)) {
            System.out.println("SKIP " + id + ": " + UNSUPPORTED.get(id));
            Assumptions.abort(UNSUPPORTED.get(id));
        }
        String source = c.get("template").asText();
        Map<String, Object> context = Conformance.mapper().convertValue(c.get("context"), new TypeReference<>() { });
        JsonNode expected = c.get("expected_python_jinja2");
        if (expected.isNull()) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> Template.compile(source, id,
                    WhitespaceOptions.JINJA_DEFAULTS).render(context, Clock.systemUTC()),
                    "Python raises: " + c.path("python_error").asText());
            assertTrue(e instanceof TemplateRuntimeException || e instanceof TemplateSyntaxException,
                    () -> "unexpected exception type " + e);
            return;
        }
        String out = Template.compile(source, id, WhitespaceOptions.JINJA_DEFAULTS).render(context,
                Clock.systemUTC());
        assertEquals(expected.asText(), out);
    }
}
