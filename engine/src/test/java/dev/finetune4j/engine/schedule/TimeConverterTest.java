package dev.finetune4j.engine.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.checkpoint.composer.Timestamp;
import org.junit.jupiter.api.Test;

class TimeConverterTest {

    @Test
    void durWithEpochDurationBecomesBatchesTruncated() {
        // docs/training.md §1.2: int(0.02 * 1000 * 2) = 40ba
        ScheduleContext ctx = ScheduleContext.of(Time.parse("2ep"), 1000);
        assertEquals(Time.parse("40ba"), TimeConverter.convert(Time.parse("0.02dur"), ctx));
        // int() truncates: 0.02 * 33 * 1 = 0.66 -> 0
        assertEquals(Time.parse("0ba"), TimeConverter.convert(Time.parse("0.02dur"),
                ScheduleContext.of(Time.parse("1ep"), 33)));
        assertEquals(Time.parse("6ba"), TimeConverter.convert(Time.parse("0.02dur"),
                ScheduleContext.of(Time.parse("3ep"), 111))); // 6.66 -> 6
    }

    @Test
    void durWithOtherUnitsKeepsTheUnitAndIgnoresSsr() {
        ScheduleContext ctx = new ScheduleContext(Time.parse("1000000tok"), java.util.OptionalLong.empty(), 0.5);
        assertEquals(Time.parse("20000tok"), TimeConverter.convert(Time.parse("0.02dur"), ctx, 0.5));
        assertEquals(Time.parse("7ba"), TimeConverter.convert(Time.parse("0.07dur"),
                ScheduleContext.of(Time.parse("100ba"), 5)));
    }

    @Test
    void epochsBecomeBatchesThenSsrScales() {
        ScheduleContext ctx = ScheduleContext.of(Time.parse("4ep"), 25);
        assertEquals(Time.parse("50ba"), TimeConverter.convert(Time.parse("2ep"), ctx));
        assertEquals(Time.parse("37ba"), TimeConverter.convert(Time.parse("2ep"), ctx, 0.75)); // int(37.5)
        assertEquals(Time.parse("15ba"), TimeConverter.convert(Time.parse("30ba"), ctx, 0.5));
        assertEquals(Time.parse("10sp"), TimeConverter.convert(Time.parse("10sp"), ctx));
    }

    @Test
    void wallClockAndMissingEpochLengthAreErrors() {
        ScheduleContext ctx = ScheduleContext.withoutEpochLength(Time.parse("2ep"));
        ScheduleException e = assertThrows(ScheduleException.class,
                () -> TimeConverter.convert(Time.parse("1h"), ctx));
        assertTrue(e.getMessage().startsWith("Wall clock time not an allowed time unit"), e.getMessage());
        e = assertThrows(ScheduleException.class, () -> TimeConverter.convert(Time.parse("0.1dur"), ctx));
        assertTrue(e.getMessage().contains("dataloader length"), e.getMessage());
        assertThrows(ScheduleException.class, () -> ScheduleContext.of(Time.parse("10sec"), 3));
        assertThrows(ScheduleException.class, () -> ScheduleContext.of(Time.parse("0.5dur"), 3));
    }

    @Test
    void elapsedFractionAndDone() {
        ScheduleContext ctx = ScheduleContext.of(Time.parse("1000tok"), 10);
        Timestamp t = Timestamp.ZERO.toNextBatch(1, 600, null);
        assertEquals(0.6, ctx.elapsedFraction(t));
        assertEquals(false, ctx.isDone(t));
        assertEquals(true, ctx.isDone(t.toNextBatch(1, 400, null)));
        ScheduleContext eps = ScheduleContext.of(Time.parse("2ep"), 3);
        Timestamp e1 = Timestamp.ZERO.toNextBatch(1, 1, null).toNextEpoch();
        assertEquals(0.5, eps.elapsedFraction(e1));
        assertEquals(true, eps.isDone(e1.toNextEpoch()));
    }
}
