package dev.finetune4j.tokenizer.jinja;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Measures what the real chat templates of ../shared/conformance/chat-templates/cases.json cost (largest rendered text,
 * steps, nesting, call depth, largest built value) and checks that {@link RenderLimits#DEFAULT} leaves at least 100
 * times that for output, value size and steps, and 20 times for nesting and call depth (those are also bounded by the
 * Java stack). The figures are printed: they are the measurement behind the defaults.
 */
class RenderLimitsMeasurementTest {

    @Test
    void defaultsAreAtLeastHundredTimesTheLargestRealRender() {
        JsonNode file = Conformance.json(Conformance.dir().resolve("chat-templates/cases.json"));
        long maxOutput = 0;
        long maxSteps = 0;
        long maxValue = 0;
        int maxDepth = 0;
        int maxCalls = 0;
        int maxParse = 0;
        String largestCase = "";
        String stepsCase = "";
        for (JsonNode c : file.get("cases")) {
            String source = c.get("template").asText();
            String id = c.get("id").asText();
            Parser parser = new Parser(new Lexer(source, id, WhitespaceOptions.TRANSFORMERS).tokenize(), id,
                    RenderLimits.DEFAULT.maxNesting());
            parser.parse();
            maxParse = Math.max(maxParse, parser.peakNesting());
            RenderBudget budget = new RenderBudget(RenderLimits.DEFAULT);
            String out = Template.compile(source, id, WhitespaceOptions.TRANSFORMERS)
                    .render(context(c), clock(c), budget);
            if (out.length() > maxOutput) {
                maxOutput = out.length();
                largestCase = id;
            }
            if (budget.steps() > maxSteps) {
                maxSteps = budget.steps();
                stepsCase = id;
            }
            maxValue = Math.max(maxValue, budget.largestValue());
            maxDepth = Math.max(maxDepth, budget.peakDepth());
            maxCalls = Math.max(maxCalls, budget.peakCallDepth());
        }
        RenderLimits d = RenderLimits.DEFAULT;
        System.out.printf("real chat templates (%d cases): largest output %d chars (%s), most steps %d (%s), "
                        + "largest checked value %d, eval nesting %d, call depth %d, parser nesting %d%n",
                file.get("cases").size(), maxOutput, largestCase, maxSteps, stepsCase, maxValue, maxDepth, maxCalls,
                maxParse);
        System.out.printf("defaults: %s (output x%d, steps x%d, nesting x%d)%n", d, d.maxOutputChars() / maxOutput,
                d.maxSteps() / maxSteps, d.maxNesting() / Math.max(maxDepth, maxParse));
        assertTrue(d.maxOutputChars() >= 100 * maxOutput, "output limit");
        assertTrue(d.maxValueSize() >= 100 * Math.max(maxValue, maxOutput), "value size limit");
        assertTrue(d.maxSteps() >= 100 * maxSteps, "step limit");
        assertTrue(d.maxNesting() >= 20 * Math.max(maxDepth, maxParse), "nesting limit");
        assertTrue(d.maxCallDepth() >= 20 * Math.max(1, maxCalls), "call depth limit");
    }

    private static Map<String, Object> context(JsonNode c) {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("tools", null);
        context.put("documents", null);
        context.putAll(Conformance.mapper().convertValue(c.get("extra_context"), new TypeReference<>() { }));
        List<Object> messages = Conformance.mapper().convertValue(c.get("messages"), new TypeReference<>() { });
        context.put("messages", messages);
        if (!c.get("add_generation_prompt").isNull()) {
            context.put("add_generation_prompt", c.get("add_generation_prompt").asBoolean());
        }
        return context;
    }

    private static Clock clock(JsonNode c) {
        LocalDate date = LocalDate.parse(c.get("render_options").get("strftime_now_date").asText());
        return Clock.fixed(date.atStartOfDay(ZoneOffset.UTC).toInstant(), ZoneOffset.UTC);
    }
}
