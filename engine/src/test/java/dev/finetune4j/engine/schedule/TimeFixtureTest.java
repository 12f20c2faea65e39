package dev.finetune4j.engine.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** Time.parse against Python's own float/re/strptime running Composer's from_timestring logic. */
class TimeFixtureTest {

    @Test
    void matchesComposerOnEveryFixtureString() throws IOException {
        JsonNode root;
        try (InputStream in = getClass().getResourceAsStream("/schedule/time_strings.json")) {
            root = new ObjectMapper().readTree(in);
        }
        int checked = 0;
        for (JsonNode c : root.get("cases")) {
            String s = c.get("s").asText();
            if (c.has("error")) {
                assertThrows(TimeFormatException.class, () -> Time.parse(s), "'" + s + "' should be rejected");
            } else {
                Time t = Time.parse(s);
                assertEquals(c.get("value").asDouble(), t.value(), "'" + s + "'");
                assertEquals(TimeUnit.fromSymbol(c.get("unit").asText()), t.unit(), "'" + s + "'");
            }
            checked++;
        }
        assertEquals(65, checked);
    }
}
