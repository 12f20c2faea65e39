package dev.finetune4j.tokenizer.jinja;

import static dev.finetune4j.tokenizer.jinja.JinjaTestSupport.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Python semantics of the value model: None vs Undefined, truthiness, equality, repr, arithmetic. */
class ValueModelTest {

    @Test
    void floatReprMatchesPython() {
        // expected strings are CPython 3 repr() outputs
        assertEquals("1.0", Py.floatRepr(1.0));
        assertEquals("0.1", Py.floatRepr(0.1));
        assertEquals("0.30000000000000004", Py.floatRepr(0.1 + 0.2));
        assertEquals("1e-05", Py.floatRepr(1e-5));
        assertEquals("0.0001", Py.floatRepr(1e-4));
        assertEquals("1e+16", Py.floatRepr(1e16));
        assertEquals("1000000000000000.0", Py.floatRepr(1e15));
        assertEquals("1.5e+300", Py.floatRepr(1.5e300));
        assertEquals("-0.0", Py.floatRepr(-0.0));
        assertEquals("123.456", Py.floatRepr(123.456));
        assertEquals("2.2250738585072014e-308", Py.floatRepr(Double.MIN_NORMAL));
        assertEquals("5e-324", Py.floatRepr(Double.MIN_VALUE));
        assertEquals("inf", Py.floatRepr(Double.POSITIVE_INFINITY));
        assertEquals("nan", Py.floatRepr(Double.NaN));
    }

    @Test
    void reprOfContainersAndStrings() {
        Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("a", Arrays.asList(1L, null, true, 1.5, "x'y"));
        d.put("b", PyTuple.of("t"));
        assertEquals("{'a': [1, None, True, 1.5, \"x'y\"], 'b': ('t',)}", Py.repr(d));
        assertEquals("'a\\nb\\\\c\\x00\\xa0é😀'", Py.repr("a\nb\\c\u0000\u00a0é😀"));
        assertEquals("'both \\' and \"'", Py.repr("both ' and \""));
    }

    @Test
    void noneAndUndefinedAreDistinct() {
        Map<String, Object> vars = new HashMap<>();
        vars.put("n", null);
        assertEquals("None||True|False|True|False", render(
                "{{ n }}|{{ u }}|{{ n is none }}|{{ u is none }}|{{ u is undefined }}|{{ n is undefined }}", vars));
        assertEquals("False", render("{{ n == u }}", vars));
        assertThrows(TemplateRuntimeException.class, () -> render("{{ u.attr }}"));
        assertThrows(TemplateRuntimeException.class, () -> render("{{ u + 1 }}"));
        assertEquals("", render("{{ n.attr }}", vars), "attribute of None is undefined, not an error");
    }

    @Test
    void andOrReturnOperandsAndComparisonsArePython() {
        assertEquals("0|b|[]|False|True|True|False", render(
                "{{ 0 and 1 }}|{{ '' or 'b' }}|{{ [] or [] }}|{{ '1' == 1 }}|{{ 1 == 1.0 }}|{{ true == 1 }}|{{ [1] == (1,) }}"));
        assertEquals("True", render("{{ 1 < 2 < 3 }}"));
        assertThrows(TemplateRuntimeException.class, () -> render("{{ 'a' < 1 }}"));
    }

    @Test
    void arithmeticFollowsPython() {
        assertEquals("3.5|3|-4|1|-1.5|8|0.5|abab", render(
                "{{ 7 / 2 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ -7 % 2 }}|{{ 1.5 * -1 }}|{{ 2 ** 3 }}|{{ 2 ** -1 }}|{{ 'ab' * 2 }}"));
        assertThrows(TemplateRuntimeException.class, () -> render("{{ 1 / 0 }}"));
        assertThrows(TemplateRuntimeException.class, () -> render("{{ 'a' + 1 }}"));
        assertEquals("a1", render("{{ 'a' ~ 1 }}"));
    }

    @Test
    void slicingWithSteps() {
        assertEquals("[3, 2, 1]|[1, 3]|cba|[]", render(
                "{{ [1,2,3][::-1] }}|{{ [1,2,3][::2] }}|{{ 'abc'[::-1] }}|{{ [1,2,3][5:] }}"));
        assertEquals("", render("{{ [1,2,3][10] }}"), "an out-of-range index is undefined in Jinja");
    }

    @Test
    void javaInputsAreNormalised() {
        Map<String, Object> vars = Map.of("i", 3, "f", 2.5f, "l", List.of(1, 2), "a", new Object[] {"x"});
        assertEquals("3|2.5|[1, 2]|['x']|True", render("{{ i }}|{{ f }}|{{ l }}|{{ a }}|{{ i is integer }}", vars));
    }

    @Test
    void sandboxRefusesMutation() {
        TemplateRuntimeException e = assertThrows(TemplateRuntimeException.class,
                () -> render("{% set l = [1] %}{{ l.append(2) }}"));
        assertTrue(e.getMessage().contains("unsafe"), e.getMessage());
    }
}
