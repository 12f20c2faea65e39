package dev.finetune4j.tokenizer.jinja;

import static dev.finetune4j.tokenizer.jinja.JinjaTestSupport.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Statements and builtins beyond the conformance suite (expected values are Jinja2 3.1 outputs). */
class StatementsTest {

    @Test
    void loopVariables() {
        assertEquals("1/3 0 2 T F a-|2/3 1 1 F F b-a|3/3 2 0 F T c-b|", render(
                "{% for x in ['a','b','c'] %}{{ loop.index }}/{{ loop.length }} {{ loop.index0 }} {{ loop.revindex0 }} "
                        + "{{ 'T' if loop.first else 'F' }} {{ 'T' if loop.last else 'F' }} {{ x }}-{{ loop.previtem }}|"
                        + "{% endfor %}"));
        assertEquals("odd,even,odd", render("{% for x in range(3) %}{{ loop.cycle('odd','even') }}"
                + "{{ ',' if not loop.last }}{% endfor %}"));
    }

    @Test
    void loopFilterCountsOnlyKeptItems() {
        assertEquals("2:1/2 3:2/2 ", render("{% for x in [1,2,3] if x > 1 %}{{ x }}:{{ loop.index }}/{{ loop.length }} "
                + "{% endfor %}"));
    }

    @Test
    void recursiveLoop() {
        Map<String, Object> tree = Map.of("items", List.of(Map.of("n", "a", "children", List.of(Map.of("n", "b",
                "children", List.of())))));
        assertEquals("<a<b>>", render("{% for i in items recursive %}<{{ i.n }}{{ loop(i.children) }}>{% endfor %}",
                tree));
    }

    @Test
    void setInsideLoopDoesNotLeakButNamespaceDoes() {
        assertEquals("0 6", render("{% set n = 0 %}{% set ns = namespace(n=0) %}{% for x in [1,2,3] %}"
                + "{% set n = n + x %}{% set ns.n = ns.n + x %}{% endfor %}{{ n }} {{ ns.n }}"));
        assertThrows(TemplateRuntimeException.class, () -> render("{% set d = {} %}{% set d.x = 1 %}"));
    }

    @Test
    void blockSetWithFilter() {
        assertEquals("[HELLO]", render("{% set x | trim | upper %}  hello  {% endset %}[{{ x }}]"));
    }

    @Test
    void macrosWithDefaultsVarargsKwargsAndCaller() {
        assertEquals("a-b-c|(1, 2)|{'k': 3}", render("{% macro m(x, y='b') %}{{ x }}-{{ y }}-{{ varargs|length and "
                + "'c' }}|{{ varargs }}|{{ kwargs }}{% endmacro %}{{ m('a', 'b', 1, 2, k=3) }}"));
        assertEquals("<b>hi</b>", render("{% macro wrap() %}<b>{{ caller() }}</b>{% endmacro %}"
                + "{% call wrap() %}hi{% endcall %}"));
        assertThrows(TemplateRuntimeException.class, () -> render("{% macro m(x) %}{{ x }}{% endmacro %}{{ m(1, 2) }}"));
    }

    @Test
    void filterBlockWithAndGeneration() {
        assertEquals("AB", render("{% filter upper %}a{% endfilter %}{% with y = 'b' %}{{ y|upper }}{% endwith %}"));
        assertEquals("kept", render("{% generation %}kept{% endgeneration %}"));
    }

    @Test
    void stringMethods() {
        assertEquals("True|False|xax|['a', 'b,c']|2|Hello World|ab|-1|[' a', 'b']", render(
                "{{ 'abc'.startswith(('x','a')) }}|{{ 'abc'.endswith('b') }}|{{ 'xxaxx'.strip('x') | center(3) | "
                        + "replace(' ', 'x') }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'a.b.c'.count('.') }}|"
                        + "{{ 'hello world'.title() }}|{{ 'xxab'.lstrip('x') }}|{{ 'abc'.find('z') }}|"
                        + "{{ ' a\\nb'.splitlines() }}"));
    }

    @Test
    void dictMethodsAndFilters() {
        Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("b", 2);
        d.put("a", 1);
        assertEquals("b=2,a=1,|['b', 'a']|[2, 1]|1|9|[('a', 1), ('b', 2)]", render(
                "{% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %}|{{ d.keys() | list }}|{{ d.values() | list }}"
                        + "|{{ d.get('a') }}|{{ d.get('z', 9) }}|{{ d | dictsort }}", Map.of("d", d)));
    }

    @Test
    void tojsonIsPythonJsonDumps() {
        Map<String, Object> v = new java.util.LinkedHashMap<>();
        v.put("s", "é\"<\n");
        v.put("l", List.of(1, 2.0, true));
        v.put("e", List.of());
        assertEquals("{\"s\": \"é\\\"<\\n\", \"l\": [1, 2.0, true], \"e\": []}", render("{{ v | tojson }}",
                Map.of("v", v)));
        assertEquals("{\n    \"s\": \"é\\\"<\\n\",\n    \"l\": [\n        1,\n        2.0,\n        true\n    ],\n"
                + "    \"e\": []\n}", render("{{ v | tojson(indent=4) }}", Map.of("v", v)));
    }

    @Test
    void strftimeNowUsesTheInjectedClock() {
        Clock clock = Clock.fixed(Instant.parse("2024-07-26T15:04:05Z"), ZoneOffset.UTC);
        assertEquals("26 Jul 2024|Friday July 26 15:04:05 2024-07-26|03 PM", Template.compile(
                "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%A %B %-d %H:%M:%S %Y-%m-%d') }}|"
                        + "{{ strftime_now('%I %p') }}", "t", WhitespaceOptions.JINJA_DEFAULTS)
                .render(Map.of(), clock));
    }

    @Test
    void raiseExceptionCarriesTheTemplateMessage() {
        TemplateRuntimeException e = assertThrows(TemplateRuntimeException.class,
                () -> render("line1\n{{ raise_exception('roles must alternate') }}"));
        assertEquals("roles must alternate", e.getMessage());
        assertTrue(e.raisedByTemplate());
        assertEquals(2, e.line());
    }

    @Test
    void syntaxErrorsNameTheLine() {
        TemplateSyntaxException e = assertThrows(TemplateSyntaxException.class,
                () -> Template.compile("a\n{% if x %}\nb", "tpl", WhitespaceOptions.JINJA_DEFAULTS));
        assertTrue(e.getMessage().startsWith("template 'tpl' line 3:"), e.getMessage());
        TemplateSyntaxException f = assertThrows(TemplateSyntaxException.class,
                () -> Template.compile("{{ x | nosuchfilter }}", "tpl", WhitespaceOptions.JINJA_DEFAULTS));
        assertTrue(f.getMessage().contains("No filter named 'nosuchfilter'"), f.getMessage());
        assertThrows(TemplateSyntaxException.class,
                () -> Template.compile("{% do x %}", "tpl", WhitespaceOptions.JINJA_DEFAULTS));
    }

    @Test
    void variablesAreDataNotTemplateCode() {
        assertEquals("{{ 7*7 }} {% raise_exception('x') %}", render("{{ a }} {{ b }}",
                Map.of("a", "{{ 7*7 }}", "b", "{% raise_exception('x') %}")));
    }
}
