package dev.finetune4j.tokenizer.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The interpreter's Python semantics against CPython's own answers: {@code python-reference/python-semantics.json}
 * made by {@code make_fixtures.py} (next to it) with CPython 3.11 — float repr, str repr, str methods, and
 * {@code json.dumps} with transformers' tojson options, rendered through the template engine.
 */
class PythonReferenceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonNode fixtures;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = PythonReferenceTest.class.getResourceAsStream("/python-reference/python-semantics.json")) {
            fixtures = JSON.readTree(in);
        }
    }

    @Test
    void floatRepr() {
        int n = 0;
        for (JsonNode f : fixtures.get("floats")) {
            double d = Double.longBitsToDouble(f.get("bits").asLong());
            assertEquals(f.get("repr").asText(), Py.floatRepr(d), () -> "repr of bits " + f.get("bits"));
            n++;
        }
        assertTrue(n > 2500);
    }

    @Test
    void stringMethodsAndRepr() {
        for (JsonNode c : fixtures.get("strings")) {
            String s = c.get("s").asText();
            String sep = c.get("sep").isNull() ? null : c.get("sep").asText();
            long maxsplit = c.get("maxsplit").asLong();
            String chars = c.get("chars").isNull() ? null : c.get("chars").asText();
            String what = Py.repr(s);
            assertEquals(c.get("repr").asText(), Py.repr(s), what);
            assertEquals(c.get("title").asText(), StringMethods.title(s), "title " + what);
            assertEquals(c.get("capitalize").asText(), StringMethods.capitalize(s), "capitalize " + what);
            assertEquals(c.get("upper").asText(), call(s, "upper"), "upper " + what);
            assertEquals(c.get("lower").asText(), call(s, "lower"), "lower " + what);
            assertEquals(strings(c.get("split")), StringMethods.split(s, sep, maxsplit), "split " + what);
            assertEquals(strings(c.get("rsplit")), StringMethods.rsplit(s, sep, maxsplit), "rsplit " + what);
            assertEquals(c.get("strip").asText(), StringMethods.strip(s, chars, true, true), "strip " + what);
            assertEquals(c.get("lstrip").asText(), StringMethods.strip(s, chars, true, false), "lstrip " + what);
            assertEquals(c.get("rstrip").asText(), StringMethods.strip(s, chars, false, true), "rstrip " + what);
            assertEquals(strings(c.get("splitlines")), call(s, "splitlines"), "splitlines " + what);
            assertEquals(c.get("isspace").asBoolean(), call(s, "isspace"), "isspace " + what);
            assertEquals(c.get("islower").asBoolean(), call(s, "islower"), "islower " + what);
            assertEquals(c.get("isupper").asBoolean(), call(s, "isupper"), "isupper " + what);
        }
    }

    private static Object call(String s, String method) {
        return StringMethods.method(s, method).call(List.of(), Map.of());
    }

    private static List<Object> strings(JsonNode array) {
        List<Object> out = new ArrayList<>();
        array.forEach(x -> out.add(x.asText()));
        return out;
    }

    @Test
    void tojsonAndReprThroughTheEngine() {
        Template tojson = Template.compile("{{ v | tojson(ensure_ascii=o.ensure_ascii, indent=o.indent, "
                + "separators=o.separators, sort_keys=o.sort_keys) }}", "tojson", WhitespaceOptions.JINJA_DEFAULTS);
        Template string = Template.compile("{{ v | string }}", "repr", WhitespaceOptions.JINJA_DEFAULTS);
        for (JsonNode c : fixtures.get("dumps")) {
            Object value = JSON.convertValue(c.get("value"), new TypeReference<Object>() { });
            Map<String, Object> vars = new HashMap<>();
            vars.put("v", value);
            vars.put("o", JSON.convertValue(c.get("options"), new TypeReference<Map<String, Object>>() { }));
            assertEquals(c.get("expected").asText(), tojson.render(vars, Clock.systemUTC()), () -> "json.dumps of "
                    + c.get("value") + " with " + c.get("options"));
            if (!(value instanceof String)) {
                assertEquals(c.get("repr").asText(), string.render(vars, Clock.systemUTC()), () -> "repr of "
                        + c.get("value"));
            }
        }
    }
}
