package dev.finetune4j.tokenizer.jinja;

import static dev.finetune4j.tokenizer.jinja.JinjaTestSupport.render;
import static dev.finetune4j.tokenizer.jinja.JinjaTestSupport.renderHf;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Jinja2's whitespace rules (expected values are what Jinja2 3.1 renders). */
class WhitespaceTest {

    @Test
    void trimBlocksDropsOnlyTheFirstNewlineAfterABlockTag() {
        assertEquals("a\n\nb", renderHf("{% if true %}\na\n{% endif %}\n\nb", Map.of()));
        // variables are not blocks: the newline after }} stays
        assertEquals("1\n", renderHf("{{ 1 }}\n\n", Map.of()));
    }

    @Test
    void lstripBlocksOnlyWhenTheTagStartsItsLine() {
        assertEquals("x  y", renderHf("x  {% if true %}y{% endif %}", Map.of()));
        assertEquals("x\ny\n", renderHf("x\n    {% if true %}\ny\n    {% endif %}\n", Map.of()));
        // lstrip does not apply to {{ }}
        assertEquals("  1", renderHf("  {{ 1 }}", Map.of()));
        // + disables lstrip for that tag
        assertEquals("  y", renderHf("  {%+ if true %}y{% endif %}", Map.of()));
    }

    @Test
    void minusModifiersStripAllWhitespaceIncludingNewlines() {
        assertEquals("ab", render("a \n\t {%- if true -%} \n b{% endif %}"));
        assertEquals("a|b", render("a \n {{- '|' -}} \n b"));
        assertEquals("ab", render("a  {#- comment -#}  b"));
    }

    @Test
    void plusOnBlockEndKeepsTheNewlineUnderTrimBlocks() {
        assertEquals("\na", renderHf("{% if true +%}\na{% endif %}", Map.of()));
    }

    @Test
    void trailingNewlineIsDroppedUnlessKept() {
        assertEquals("a", render("a\n"));
        assertEquals("a\n", render("a\n\n"));
        assertEquals("a\n", Template.compile("a\n", "t", new WhitespaceOptions(false, false, true))
                .render(Map.of(), Clock.systemUTC()));
    }

    @Test
    void newlinesInTemplateSourceAreNormalised() {
        assertEquals("a\nb\nc", render("a\r\nb\rc"));
    }

    @Test
    void rawBlocksAreNotInterpreted() {
        assertEquals("{{ x }}{% if %}", render("{% raw %}{{ x }}{% if %}{% endraw %}"));
        assertEquals("a{{ x }}b", render("a {%- raw -%} {{ x }} {%- endraw -%} b"));
    }

    @Test
    void commentsVanishAndTrimBlocksAppliesToThem() {
        assertEquals("ab", renderHf("a{# note #}\nb", Map.of()));
        assertEquals("a\nb", render("a{# note #}\nb"));
    }
}
