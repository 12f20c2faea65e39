package dev.finetune4j.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Longrope (Phi-3) frequencies, attention factor and validation, against HF's rules written out here. */
class LongRopeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Double> SHORT = List.of(1.0, 1.5, 2.0, 3.0);
    private static final List<Double> LONG = List.of(4.0, 8.0, 16.0, 32.0);

    private static ObjectNode scaling(String extra) throws Exception {
        return (ObjectNode) JSON.readTree("{\"type\": \"longrope\", \"short_factor\": [1.0, 1.5, 2.0, 3.0], "
                + "\"long_factor\": [4.0, 8.0, 16.0, 32.0]" + extra + "}");
    }

    @Test
    void shortFactorsUpToTheOriginalContextLongFactorsBeyondIt() throws Exception {
        RopeScaling s = RopeScaling.longrope(scaling(""), "rope_scaling", 64, 16);
        s.validate(8);
        Rope rope = new Rope(8, 10000.0, s, 64);
        for (int maxPos : new int[] {0, 15}) {           // seq_len = max position + 1 <= 16: short
            double[] inv = rope.invFreqFor(maxPos);
            for (int i = 0; i < 4; i++) {
                assertEquals(1.0 / (SHORT.get(i) * Math.pow(10000.0, 2.0 * i / 8)), inv[i], 1e-18, "short " + i);
            }
        }
        for (int maxPos : new int[] {16, 63, 500}) {     // seq_len > 16: long
            double[] inv = rope.invFreqFor(maxPos);
            for (int i = 0; i < 4; i++) {
                assertEquals(1.0 / (LONG.get(i) * Math.pow(10000.0, 2.0 * i / 8)), inv[i], 1e-18, "long " + i);
            }
        }
        assertSame(rope.invFreqFor(3), rope.invFreqFor(7));   // static per regime: the device copy can be cached
    }

    @Test
    void attentionFactorIsDerivedFromMaxOverOriginalUnlessGiven() throws Exception {
        RopeScaling derived = RopeScaling.longrope(scaling(""), "rope_scaling", 131072, 4096);
        assertEquals(32.0, derived.factor(), 0.0);
        assertEquals(Math.sqrt(1 + Math.log(32.0) / Math.log(4096)), derived.attentionFactor(), 1e-15);
        assertEquals(derived.attentionFactor(), new Rope(8, 1e4, derived, 131072).attentionFactor(), 0.0);
        RopeScaling fromFactor = RopeScaling.longrope(scaling(", \"factor\": 4.0"), "rope_scaling", 131072, 4096);
        assertEquals(Math.sqrt(1 + Math.log(4.0) / Math.log(4096)), fromFactor.attentionFactor(), 1e-15);
        RopeScaling given = RopeScaling.longrope(scaling(", \"attention_factor\": 1.19"), "rope_scaling", 131072, 4096);
        assertEquals(1.19, given.attentionFactor(), 0.0);
        RopeScaling noExtension = RopeScaling.longrope(scaling(""), "rope_scaling", 4096, 4096);
        assertEquals(1.0, noExtension.attentionFactor(), 0.0);        // factor 1: no scaling
        // without a top-level original context, the object's own, else max_position_embeddings
        RopeScaling own = RopeScaling.longrope(scaling(", \"original_max_position_embeddings\": 1024"),
                "rope_parameters", 8192, -1);
        assertEquals(1024, own.originalMaxPositionEmbeddings());
        assertEquals(8.0, own.factor(), 0.0);
        assertEquals(8192, RopeScaling.longrope(scaling(""), "rope_scaling", 8192, -1).originalMaxPositionEmbeddings());
    }

    @Test
    void exportWritesOnlyWhatHfCannotDerive() throws Exception {
        ObjectNode plain = RopeScaling.longrope(scaling(""), "rope_scaling", 64, 16).toJson(64);
        assertEquals(List.of("type", "short_factor", "long_factor"), iterator(plain));
        ObjectNode explicit = RopeScaling.longrope(scaling(", \"factor\": 3.0, \"attention_factor\": 1.5"),
                "rope_scaling", 64, 16).toJson(64);
        assertEquals(3.0, explicit.get("factor").asDouble(), 0.0);
        assertEquals(1.5, explicit.get("attention_factor").asDouble(), 0.0);
        RopeScaling back = RopeScaling.longrope(explicit, "rope_scaling", 64, 16);
        assertEquals(RopeScaling.longrope(scaling(", \"factor\": 3.0, \"attention_factor\": 1.5"), "rope_scaling", 64,
                16), back);
    }

    private static List<String> iterator(ObjectNode o) {
        List<String> names = new java.util.ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void theCacheIsRecomputedOnceWhenGenerationCrossesTheOriginalContext() throws Exception {
        Rope rope = new Rope(8, 1e4, RopeScaling.longrope(scaling(""), "rope_scaling", 64, 16), 64);
        assertFalse(rope.invalidatesCache(0, 40));       // nothing cached yet
        assertFalse(rope.invalidatesCache(10, 16));      // still short
        assertTrue(rope.invalidatesCache(16, 17));       // short keys, long sequence
        assertTrue(rope.invalidatesCache(3, 30));
        assertFalse(rope.invalidatesCache(17, 18));      // keys already rotated with the long factors
        assertFalse(new Rope(8, 1e4, null, 64).invalidatesCache(16, 17));
    }

    @Test
    void factorListsAreValidatedWithTheKeyTheirLengthAndTheAllowedLength() throws Exception {
        RopeScaling s = RopeScaling.longrope(scaling(""), "rope_scaling", 64, 16);
        ConfigException e = assertThrows(ConfigException.class, () -> s.validate(12));
        assertEquals("config.json rope_scaling.short_factor has 4 entries; allowed: exactly 6 (one per rotated "
                + "frequency: head_dim × partial_rotary_factor = 12, divided by 2)", e.getMessage());
        ObjectNode longShort = (ObjectNode) JSON.readTree("{\"type\": \"longrope\", \"short_factor\": [1, 1, 1, 1], "
                + "\"long_factor\": [2, 2, 2]}");
        e = assertThrows(ConfigException.class,
                () -> RopeScaling.longrope(longShort, "rope_scaling", 64, 16).validate(8));
        assertTrue(e.getMessage().startsWith("config.json rope_scaling.long_factor has 3 entries; allowed: exactly 4"),
                e.getMessage());
        e = assertThrows(ConfigException.class, () -> RopeScaling.longrope((ObjectNode) JSON.readTree(
                "{\"type\": \"longrope\", \"short_factor\": [1, 1, 1, 1]}"), "rope_scaling", 64, 16));
        assertTrue(e.getMessage().startsWith("config.json rope_scaling.long_factor is missing"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> RopeScaling.longrope((ObjectNode) JSON.readTree(
                "{\"type\": \"longrope\", \"short_factor\": [1, 0, 1, 1], \"long_factor\": [1, 1, 1, 1]}"),
                "rope_scaling", 64, 16));
        assertEquals("config.json rope_scaling.short_factor[1] = 0 is out of range; allowed: a finite number > 0",
                e.getMessage());
        e = assertThrows(ConfigException.class, () -> RopeScaling.longrope((ObjectNode) JSON.readTree(
                "{\"type\": \"longrope\", \"short_factor\": \"1,1\", \"long_factor\": [1, 1, 1, 1]}"),
                "rope_scaling", 64, 16));
        assertEquals("config.json rope_scaling.short_factor must be a list of numbers, got \"1,1\"", e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> RopeScaling.longrope(scaling(", \"attention_factor\": -1"), "rope_scaling", 64, 16).validate(8));
        assertTrue(e.getMessage().contains("rope_scaling.attention_factor = -1.0 is out of range"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> RopeScaling.longrope(scaling(""), "rope_scaling", 64, 0));
        assertTrue(e.getMessage().contains("original_max_position_embeddings"), e.getMessage());
    }
}
