package dev.finetune4j.tokenizer.jinja;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The hostile chat templates of the attack probes (each one hung, ate gigabytes or crashed the JVM before render
 * budgets existed) with the outcome expected now. {@link #main} runs them all in a child JVM with a small heap and
 * prints one line per probe with its time.
 */
final class HostileTemplates {
    /** A probe: its source and what must happen (a limit name, "syntax" for a parse refusal, or "=" + output). */
    record Probe(String name, String source, Map<String, ?> variables, Set<String> expected) {
    }

    private HostileTemplates() {
    }

    static final List<Probe> PROBES = List.of(
            probe("string times 10**10", "{{ 'a' * 10**10 }}", "maxValueSize"),
            probe("center(10**10)", "{{ 'a'|center(10**10) }}", "maxValueSize"),
            probe("list times 10**9", "{{ ([1] * 10**9)|length }}", "maxValueSize"),
            probe("nested range(100000) loops", "{% for i in range(100000) %}{% for j in range(100000) %}"
                    + "{% endfor %}{% endfor %}", "maxSteps"),
            probe("tojson over a shared 10**10-item list", "{% set ns = namespace(x=[0] * 10) %}"
                    + "{% for i in range(9) %}{% set ns.x = [ns.x] * 10 %}{% endfor %}{{ ns.x|tojson }}",
                    "maxValueSize", "maxSteps"),
            probe("printing a shared 10**10-item list", "{% set ns = namespace(x=[0] * 10) %}"
                    + "{% for i in range(9) %}{% set ns.x = [ns.x] * 10 %}{% endfor %}{{ ns.x }}",
                    "maxValueSize", "maxSteps"),
            probe("comparing two shared 10**10-item lists", "{% set ns = namespace(x=[0] * 10, y=[0] * 10) %}"
                    + "{% for i in range(9) %}{% set ns.x = [ns.x] * 10 %}{% set ns.y = [ns.y] * 10 %}{% endfor %}"
                    + "{{ ns.x == ns.y }}", "maxSteps"),
            probe("string doubled 40 times", "{% set ns = namespace(s='a') %}{% for i in range(40) %}"
                    + "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}", "maxValueSize"),
            probe("string doubled with + 40 times", "{% set ns = namespace(s='ab') %}{% for i in range(40) %}"
                    + "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}", "maxValueSize"),
            probe("3000 nested ifs", "{% if true %}".repeat(3000) + "x" + "{% endif %}".repeat(3000), "syntax"),
            probe("5000 nested parentheses", "{{ " + "(".repeat(5000) + "1" + ")".repeat(5000) + " }}", "syntax"),
            probe("5000 nested lists", "{{ " + "[".repeat(5000) + "1" + "]".repeat(5000) + " }}", "syntax"),
            probe("5000 chained filters", "{{ 'a'" + "|string".repeat(5000) + " }}", "maxNesting"),
            probe("5000 chained additions", "{{ 1" + " + 1".repeat(5000) + " }}", "maxNesting"),
            probe("endless macro recursion", "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
                    "maxCallDepth"),
            probe("endless recursive loop", "{% set ns = namespace(t=[]) %}{% set ns.t = [ns.t] %}"
                    + "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}", "maxCallDepth"),
            probe("'%' format width 10**12", "{{ '%1000000000000s' % 'a' }}", "maxValueSize"),
            probe("indent(10**9)", "{{ 'a\nb'|indent(10**9) }}", "maxValueSize"),
            probe("tojson(indent=10**9)", "{{ [1]|tojson(indent=10**9) }}", "maxValueSize"),
            probe("replace bomb", "{{ ('a' * 1000)|replace('a', 'b' * 100000) }}", "maxValueSize"),
            probe("join bomb", "{{ (['x' * 100000] * 1000)|join }}", "maxValueSize"),
            probe("output of 10**5 loops of 10**3 chars", "{% for i in range(100000) %}{{ 'x' * 1000 }}"
                    + "{% endfor %}", "maxOutputChars"),
            probe("range over the sandbox limit", "{{ range(100001)|length }}", "maxRange"),
            new Probe("a namespace inside itself prints like Python", "{% set ns = namespace() %}"
                    + "{% set ns.me = ns %}{{ ns }}", Map.of(), Set.of("=<Namespace {'me': <Namespace ...>}>")),
            new Probe("1 ** 10**18 is fast", "{{ 1 ** 1000000000000000000 }}", Map.of(), Set.of("=1")),
            new Probe("a variable that contains itself", "{{ messages }}", selfContaining(), Set.of("maxNesting")));

    private static Probe probe(String name, String source, String... expected) {
        return new Probe(name, source, Map.of(), Set.of(expected));
    }

    private static Map<String, ?> selfContaining() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("self", m);
        return Map.of("messages", List.of(m));
    }

    /** Compiles and renders; the outcome as {@link Probe#expected()} spells it, or the unexpected exception. */
    static String outcome(Probe p) {
        try {
            Template t = Template.compile(p.source(), p.name(), WhitespaceOptions.TRANSFORMERS);
            return "=" + t.render(p.variables(), Clock.systemUTC());
        } catch (TemplateSyntaxException e) {
            return e.getMessage().contains("RenderLimits.maxNesting") ? "syntax" : "unexpected: " + e;
        } catch (RenderLimitException e) {
            return e.limit();
        }
    }

    /** Runs every probe; prints {@code name | outcome | ms} and exits 1 when an outcome is not the expected one. */
    public static void main(String[] args) {
        boolean ok = true;
        for (Probe p : PROBES) {
            long t0 = System.nanoTime();
            String outcome;
            try {
                outcome = outcome(p);
            } catch (Throwable e) {
                outcome = "unexpected: " + e;
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            boolean good = p.expected().contains(outcome);
            ok &= good;
            System.out.println((good ? "ok   " : "FAIL ") + p.name() + " | " + abbreviate(outcome) + " | " + ms
                    + " ms");
        }
        System.out.println("max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        System.exit(ok ? 0 : 1);
    }

    static String abbreviate(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "…" : s;
    }
}
