package dev.finetune4j.engine.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.finetune4j.checkpoint.composer.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IntervalTest {

    /** Runs a training of {@code epochs} x {@code len} batches and lists "ba{n}" / "ep{n}" where it fires. */
    private static List<String> firings(Interval interval, ScheduleContext ctx, int epochs, int len, long tokens) {
        List<String> out = new ArrayList<>();
        Timestamp ts = Timestamp.ZERO;
        for (int e = 0; e < epochs && !ctx.isDone(ts); e++) {
            int b = 0;
            for (; b < len && !ctx.isDone(ts); b++) {
                Timestamp prev = ts;
                ts = ts.toNextBatch(2, tokens, null);
                if (interval.fires(Interval.Event.BATCH_CHECKPOINT, prev, ts, ctx)) {
                    out.add("ba" + ts.batch());
                }
            }
            if (b < len) {
                break; // Composer ends mid-epoch without an epoch event
            }
            Timestamp prev = ts;
            ts = ts.toNextEpoch();
            if (interval.fires(Interval.Event.EPOCH_CHECKPOINT, prev, ts, ctx)) {
                out.add("ep" + ts.epoch());
            }
        }
        return out;
    }

    @Test
    void everyFiftyBatches() {
        ScheduleContext ctx = ScheduleContext.of(Time.parse("120ba"), 1000);
        assertEquals(List.of("ba50", "ba100", "ba120"), firings(Interval.parse("50ba", true), ctx, 1, 1000, 10));
        assertEquals(List.of("ba50", "ba100"), firings(Interval.parse("50ba", false), ctx, 1, 1000, 10));
    }

    @Test
    void endOfTrainingFiresOnceWhenTheLastBatchEndsAnEpoch() {
        ScheduleContext ctx = ScheduleContext.of(Time.parse("2ep"), 10);
        // 7ba interval: ba7, ba14, then the end of training at the epoch event (ba20 not a multiple)
        assertEquals(List.of("ba7", "ba14", "ep2"), firings(Interval.parse("7ba", true), ctx, 2, 10, 1));
    }

    @Test
    void everyEpochFiresAtEpochEnds() {
        ScheduleContext ctx = ScheduleContext.of(Time.parse("3ep"), 4);
        assertEquals(List.of("ep1", "ep2", "ep3"), firings(Interval.parse("1ep", true), ctx, 3, 4, 10));
    }

    @Test
    void durationFractionsWithEpochDuration() {
        ScheduleContext ctx = ScheduleContext.of(Time.parse("2ep"), 10); // every ceil(2*0.25*10)=5 batches
        // ba20 fires on the interval and records the batch, so the end-of-training epoch event does not repeat it
        assertEquals(List.of("ba5", "ba10", "ba15", "ba20"),
                firings(Interval.parse("0.25dur", true), ctx, 2, 10, 10));
    }

    @Test
    void durationFractionsWithTokenDuration() {
        ScheduleContext ctx = ScheduleContext.of(Time.parse("1000tok"), 100); // every 250 tokens, 60 per batch
        assertEquals(List.of("ba5", "ba9", "ba13", "ba17"), firings(Interval.parse("0.25dur", false), ctx, 1, 100, 60));
    }

    @Test
    void tokenIntervalsFireWhenCrossed() {
        ScheduleContext ctx = ScheduleContext.of(Time.parse("10ba"), 100);
        assertEquals(List.of("ba4", "ba7", "ba10"), firings(Interval.parse("100tok", false), ctx, 1, 100, 30));
    }

    @Test
    void invalidIntervals() {
        assertThrows(ScheduleException.class, () -> Interval.parse("0dur", true));
        assertThrows(ScheduleException.class, () -> Interval.parse("2iter", true));
        assertThrows(TimeFormatException.class, () -> Interval.parse("every 50", true));
        ScheduleContext ctx = ScheduleContext.of(Time.parse("10ba"), 10);
        // Composer returns False for non-positive intervals before its end-of-training check: never fires
        assertEquals(List.of(), firings(Interval.parse("0ba", true), ctx, 1, 10, 1));
    }
}
