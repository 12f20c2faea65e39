package dev.finetune4j.tokenizer.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every attack probe ends within 5 s with the limit it should hit, in this JVM and in one with a 512 MiB heap. */
class HostileTemplatesTest {
    private static final Duration CAP = Duration.ofSeconds(5);

    @TestFactory
    Stream<DynamicTest> eachProbeIsRefusedQuickly() {
        return HostileTemplates.PROBES.stream().map(p -> DynamicTest.dynamicTest(p.name(), () -> {
            String outcome = assertTimeoutPreemptively(CAP, () -> HostileTemplates.outcome(p));
            assertTrue(p.expected().contains(outcome), p.name() + ": expected one of " + p.expected() + ", got "
                    + HostileTemplates.abbreviate(outcome));
        }));
    }

    @Test
    void limitErrorNamesTheLimitAndTheLine() {
        Template t = Template.compile("line one\n{{ 'a' * 10**10 }}", "evil", WhitespaceOptions.TRANSFORMERS);
        RenderLimitException e = org.junit.jupiter.api.Assertions.assertThrows(RenderLimitException.class,
                () -> t.render(Map.of(), Clock.systemUTC()));
        assertEquals(2, e.line());
        assertEquals("maxValueSize", e.limit());
        assertTrue(e.getMessage().contains("maxValueSize = 10000000"), e.getMessage());
        TemplateSyntaxException s = org.junit.jupiter.api.Assertions.assertThrows(TemplateSyntaxException.class,
                () -> Template.compile("\n\n{{ " + "(".repeat(5000) + "1" + ")".repeat(5000) + " }}", "evil",
                        WhitespaceOptions.TRANSFORMERS));
        assertTrue(s.getMessage().startsWith("template 'evil' line 3: ") && s.getMessage().contains(
                "RenderLimits.maxNesting = 300"), s.getMessage());
    }

    @Test
    void limitsAreOverridable() {
        RenderLimits small = new RenderLimits(100, 50, 10, 1_000, 3, 40);
        Template t = Template.compile("{{ 'a' * 60 }}", "t", WhitespaceOptions.TRANSFORMERS, small);
        assertEquals("maxValueSize", org.junit.jupiter.api.Assertions.assertThrows(RenderLimitException.class,
                () -> t.render(Map.of(), Clock.systemUTC())).limit());
        assertEquals("a".repeat(60), Template.compile("{{ 'a' * 60 }}", "t", WhitespaceOptions.TRANSFORMERS)
                .render(Map.of(), Clock.systemUTC()));
        assertEquals("maxRange", org.junit.jupiter.api.Assertions.assertThrows(RenderLimitException.class,
                () -> Template.compile("{{ range(11)|length }}", "t", WhitespaceOptions.TRANSFORMERS, small)
                        .render(Map.of(), Clock.systemUTC())).limit());
        assertThrowsSyntax(() -> Template.compile("{{ " + "(".repeat(20) + "1" + ")".repeat(20) + " }}", "t",
                WhitespaceOptions.TRANSFORMERS, small));
    }

    @Test
    void nestingJustInsideTheLimitsRendersWithoutStackOverflow() {
        // the explicit limits must be reached before a default-size thread stack runs out
        assertTimeoutPreemptively(CAP, () -> {
            int parens = RenderLimits.DEFAULT.maxNesting() / 3 - 5;
            assertEquals("1", JinjaTestSupport.renderHf("{{ " + "(".repeat(parens) + "1" + ")".repeat(parens)
                    + " }}", Map.of()));
            int filters = RenderLimits.DEFAULT.maxNesting() - 5;
            assertEquals("a", JinjaTestSupport.renderHf("{{ 'a'" + "|string".repeat(filters) + " }}", Map.of()));
            int depth = RenderLimits.DEFAULT.maxCallDepth() - 2;
            assertEquals(Long.toString(depth), JinjaTestSupport.renderHf("{% macro f(n) %}{% if n < " + depth
                    + " %}{{ f(n + 1) }}{% else %}{{ n }}{% endif %}{% endmacro %}{{ f(0) }}", Map.of()));
            int ifs = RenderLimits.DEFAULT.maxNesting() / 2;
            assertEquals("x", JinjaTestSupport.renderHf("{% if true %}".repeat(ifs) + "x"
                    + "{% endif %}".repeat(ifs), Map.of()));
        });
    }

    @Test
    void probesStayInsideAHalfGigabyteHeap() throws IOException, InterruptedException {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), HostileTemplates.class.getName())
                .redirectErrorStream(true).start();
        boolean done = child.waitFor(90, TimeUnit.SECONDS);
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            child.destroyForcibly();
        }
        System.out.print(out);
        assertTrue(done, "child JVM did not finish: " + out);
        assertEquals(0, child.exitValue(), out);
        for (String line : out.split("\n")) {
            if (line.contains(" | ")) {
                long ms = Long.parseLong(line.substring(line.lastIndexOf(" | ") + 3, line.lastIndexOf(" ms")));
                assertTrue(ms < CAP.toMillis(), line);
            }
        }
    }

    private static void assertThrowsSyntax(org.junit.jupiter.api.function.Executable e) {
        org.junit.jupiter.api.Assertions.assertThrows(TemplateSyntaxException.class, e);
    }
}
