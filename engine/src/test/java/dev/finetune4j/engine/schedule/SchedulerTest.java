package dev.finetune4j.engine.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.checkpoint.composer.Timestamp;
import org.junit.jupiter.api.Test;

/** α at every batch against the formulas of docs/training.md §2.1, written out independently here. */
class SchedulerTest {

    private static Timestamp atBatch(long k) {
        Timestamp t = Timestamp.ZERO;
        for (long i = 0; i < k; i++) {
            t = t.toNextBatch(2, 50, null);
        }
        return t;
    }

    @Test
    void linearWithWarmupAtEveryBatch() {
        ScheduleContext ctx = ScheduleContext.of(Time.parse("100ba"), 100);
        Scheduler s = new LinearWithWarmup(Time.parse("10ba"), 0.9, 0.1, Time.parse("1dur"), false);
        for (long t = 0; t <= 100; t++) {
            double expected = t < 10 ? 0.9 * t / 10.0 : 0.9 + Math.min(1.0, (t - 10) / 90.0) * (0.1 - 0.9);
            assertEquals(expected, s.alpha(atBatch(t), ctx), 1e-15, "t=" + t);
        }
    }

    @Test
    void linearDecayDividesByTMaxMinusWarmupNotTMax() {
        // the docstring says (t - t_w) / t_max; the code (and we) divide by (t_max - t_w)
        ScheduleContext ctx = ScheduleContext.of(Time.parse("20ba"), 20);
        Scheduler s = LinearWithWarmup.of(Time.parse("10ba"), 0.0);
        assertEquals(0.5, s.alpha(atBatch(15), ctx), 1e-15);
        assertEquals(0.0, s.alpha(atBatch(20), ctx), 1e-15);
    }

    @Test
    void cosineWithWarmupAtEveryBatch() {
        ScheduleContext ctx = ScheduleContext.of(Time.parse("2ep"), 20);
        Scheduler s = CosineWithWarmup.of(Time.parse("0.1dur"), 0.05); // 4ba of 40ba
        for (long t = 0; t <= 40; t++) {
            double expected = t < 4 ? t / 4.0 : 0.05 + 0.95 * (1 + Math.cos(Math.PI * (t - 4) / 36.0)) / 2;
            assertEquals(expected, s.alpha(atBatch(t), ctx), 1e-15, "t=" + t);
        }
    }

    @Test
    void constantWithWarmupAndConstant() {
        ScheduleContext ctx = ScheduleContext.of(Time.parse("10ba"), 10);
        Scheduler s = new ConstantWithWarmup(Time.parse("4ba"), 0.5, Time.parse("1dur"), false);
        for (long t = 0; t <= 10; t++) {
            assertEquals(t < 4 ? 0.5 * t / 4 : 0.5, s.alpha(atBatch(t), ctx), 1e-15);
        }
        Scheduler c = new Constant(0.25, Time.parse("5ba"));
        assertEquals(0.25, c.alpha(atBatch(4), ctx));
        assertEquals(1.0, c.alpha(atBatch(5), ctx));
        assertEquals(1.0, Constant.one().alpha(atBatch(3), ctx));
    }

    @Test
    void tokenDurationsWarmUpInTokens() {
        ScheduleContext ctx = ScheduleContext.withoutEpochLength(Time.parse("1000tok"));
        Scheduler s = LinearWithWarmup.of(Time.parse("0.1dur"), 0.0); // 100tok warmup
        assertEquals(0.5, s.alpha(atBatch(1), ctx), 1e-15); // 50 tokens
        assertEquals(1.0 - (200 - 100) / 900.0, s.alpha(atBatch(4), ctx), 1e-15); // 200 tokens
    }

    @Test
    void zeroWarmupStartsAtAlphaI() {
        ScheduleContext ctx = ScheduleContext.of(Time.parse("10ba"), 10);
        assertEquals(1.0, LinearWithWarmup.of(Time.parse("0ba"), 0.0).alpha(Timestamp.ZERO, ctx));
        assertEquals(1.0, LinearWithWarmup.of(Time.parse("0.02dur"), 0.0).alpha(Timestamp.ZERO, ctx)); // int(0.2)=0
    }

    @Test
    void scaleWarmupStretchesWarmupButNotTheWarmupTest() {
        ScheduleContext ctx = new ScheduleContext(Time.parse("20ba"), java.util.OptionalLong.of(20), 2.0);
        Scheduler plain = new LinearWithWarmup(Time.parse("4ba"), 1.0, 0.0, Time.parse("40ba"), false);
        Scheduler scaled = new LinearWithWarmup(Time.parse("4ba"), 1.0, 0.0, Time.parse("40ba"), true);
        assertEquals(0.5, plain.alpha(atBatch(2), ctx), 1e-15);
        assertEquals(0.25, scaled.alpha(atBatch(2), ctx), 1e-15); // warmup 8ba under ssr 2
    }

    @Test
    void mismatchedUnitsAndShortTMaxAreErrors() {
        ScheduleContext tok = ScheduleContext.of(Time.parse("1000tok"), 10);
        ScheduleException e = assertThrows(ScheduleException.class,
                () -> LinearWithWarmup.of(Time.parse("5ba"), 0.0).alpha(Timestamp.ZERO, tok));
        assertTrue(e.getMessage().contains("same unit"), e.getMessage());
        ScheduleContext ba = ScheduleContext.of(Time.parse("100ba"), 10);
        e = assertThrows(ScheduleException.class, () -> new CosineWithWarmup(Time.parse("5ba"), Time.parse("50ba"),
                0.0, false).alpha(Timestamp.ZERO, ba));
        assertTrue(e.getMessage().contains("t_max 50ba must be greater than or equal to the training duration 100ba"),
                e.getMessage());
        // ba t_max against an epoch duration is compared through the dataloader length
        ScheduleContext ep = ScheduleContext.of(Time.parse("2ep"), 10);
        assertThrows(ScheduleException.class, () -> new LinearWithWarmup(Time.parse("1ba"), 1, 0,
                Time.parse("19ba"), false).alpha(Timestamp.ZERO, ep));
        assertEquals(0.0, new LinearWithWarmup(Time.parse("1ba"), 1, 0, Time.parse("20ba"), false)
                .alpha(Timestamp.ZERO, ep));
    }

    @Test
    void factoryKnowsTheNames() {
        Time w = Time.parse("2ba");
        Time m = Time.parse("1dur");
        assertEquals(new LinearWithWarmup(w, 1, 0, m, false), Schedulers.create("linear_with_warmup", w, 1, 0, m));
        assertEquals(new LinearWithWarmup(w, 1, 0, m, false),
                Schedulers.create("linear_decay_with_warmup", w, 1, 0, m));
        assertEquals(new CosineWithWarmup(w, m, 0.1, false), Schedulers.create("cosine_with_warmup", w, 1, 0.1, m));
        assertEquals(new Constant(1.0, m), Schedulers.create("constant", w, 1, 0, m));
        ScheduleException e = assertThrows(ScheduleException.class, () -> Schedulers.create("step", w, 1, 0, m));
        assertTrue(e.getMessage().contains("'step'") && e.getMessage().contains("cosine_with_warmup"));
    }
}
