package dev.finetune4j.engine.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TimeTest {

    @ParameterizedTest
    @CsvSource({
        "1ep, 1, ep", "500ba, 500, ba", "1000000tok, 1000000, tok", "100sp, 100, sp", "0.02dur, 0.02, dur",
        "3e4tok, 30000, tok", "3E4TOK, 30000, tok", "5EP, 5, ep", "2iter, 2, iter", "10sec, 10, sec",
        "1.0ba, 1, ba", "1_000ba, 1000, ba", "'  7 ba', 7, ba", "-5ba, -5, ba", "1dur, 1.0, dur", ".5dur, 0.5, dur",
        "2.5e-1dur, 0.25, dur",
    })
    void parsesLikeComposer(String s, double value, String unit) {
        Time t = Time.parse(s);
        assertEquals(value, t.value());
        assertEquals(TimeUnit.fromSymbol(unit), t.unit());
    }

    @ParameterizedTest
    @CsvSource({"1h, 3600", "1h30m, 5400", "30m, 1800", "45s, 45", "1h5s, 3605", "2h3m4s, 7384", "0h0m0s, 0"})
    void wallClockFormBecomesSeconds(String s, long seconds) {
        assertEquals(Time.of(seconds, TimeUnit.SECOND), Time.parse(s));
    }

    @Test
    void emptyStringIsZeroSecondsAsInComposer() {
        // verify_wct('') -> '0h0m0s', which strptime accepts
        assertEquals(Time.of(0, TimeUnit.SECOND), Time.parse(""));
    }

    @Test
    void bareNumberIsReadAsWallClockSecondsAsInComposer() {
        // verify_wct('5') appends '0s' -> '0h0m50s': Composer reads a bare "5" as 50 seconds
        assertEquals(Time.of(50, TimeUnit.SECOND), Time.parse("5"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2%", "ep", "5 epochs", "abcba", "1.5.ba", "90m", "25h", "0h0m60s", "5xyz", "1e"})
    void rejectsInvalidStringsNamingThemAndTheUnits(String s) {
        TimeFormatException e = assertThrows(TimeFormatException.class, () -> Time.parse(s));
        assertTrue(e.getMessage().contains("'" + s + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("iter, ep, ba, sp, tok, dur, sec"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5ba", "0.5ep", "2.5e0tok", "infba", "nanep", "1e30tok"})
    void nonDurationUnitsNeedIntegralValues(String s) {
        TimeFormatException e = assertThrows(TimeFormatException.class, () -> Time.parse(s));
        assertTrue(e.getMessage().contains("'" + s + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("integer"), e.getMessage());
    }

    @Test
    void toStringRoundTrips() {
        for (String s : new String[] {"40ba", "2ep", "0.02dur", "30000tok", "7sp", "1.0dur"}) {
            Time t = Time.parse(s);
            assertEquals(s, t.toString());
            assertEquals(t, Time.parse(t.toString()));
        }
    }

    @Test
    void constructorRejectsFractionalCounts() {
        assertThrows(TimeFormatException.class, () -> new Time(1.5, TimeUnit.BATCH));
        assertThrows(TimeFormatException.class, () -> new Time(Double.NaN, TimeUnit.DURATION));
        assertThrows(IllegalStateException.class, () -> Time.ofDuration(0.5).count());
    }

    @Test
    void unknownUnitSymbolListsAllowed() {
        TimeFormatException e = assertThrows(TimeFormatException.class, () -> TimeUnit.fromSymbol("min"));
        assertTrue(e.getMessage().contains("'min'") && e.getMessage().contains("tok"), e.getMessage());
        assertEquals(TimeUnit.BATCH, TimeUnit.fromSymbol("BATCH"));
    }
}
