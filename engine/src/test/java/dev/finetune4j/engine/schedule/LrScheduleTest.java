package dev.finetune4j.engine.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.checkpoint.composer.Timestamp;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LrScheduleTest {

    @Test
    void firstTwoBatchesTrainAtAlphaZeroWithLinearWarmup() {
        ScheduleContext ctx = ScheduleContext.of(Time.parse("2ep"), 1000); // 0.02dur -> 40ba warmup
        LrSchedule s = LrSchedule.start(LinearWithWarmup.of(Time.parse("0.02dur"), 0.0), ctx, Timestamp.ZERO, 1e-4);
        Timestamp ts = Timestamp.ZERO;
        List<Double> used = new ArrayList<>();
        for (int k = 0; k < 45; k++) {
            used.add(s.lr()); // the lr batch k trains with
            s.step(ts); // after the optimizer step, before the timestamp advances
            ts = ts.toNextBatch(1, 10, null);
        }
        assertEquals(0.0, used.get(0));
        assertEquals(0.0, used.get(1));
        for (int k = 2; k < 45; k++) {
            double alphaPrev = Math.min(1.0, (k - 1) / 40.0);
            if (k - 1 >= 40) {
                alphaPrev = 1.0 + ((k - 1) - 40) / (2000.0 - 40) * (0.0 - 1.0);
            }
            assertEquals(1e-4 * alphaPrev, used.get(k), 1e-20, "batch " + k);
        }
        assertEquals(46, s.stepCount());
        assertEquals(45, s.lastEpoch());
    }

    @Test
    void matchesTorchLambdaLrFixture() throws IOException {
        JsonNode root;
        try (InputStream in = getClass().getResourceAsStream("/schedule/lr_schedules.json")) {
            root = new ObjectMapper().readTree(in);
        }
        int cases = 0;
        for (JsonNode c : root.get("cases")) {
            cases++;
            String id = c.get("id").asText();
            Time max = Time.parse(c.get("max_duration").asText());
            long len = c.get("dataloader_len").asLong();
            ScheduleContext ctx = ScheduleContext.of(max, len);
            double alphaI = c.has("alpha_i") ? c.get("alpha_i").asDouble() : 1.0;
            double alphaF = c.has("alpha_f") ? c.get("alpha_f").asDouble() : 0.0;
            Scheduler sched = Schedulers.create(c.get("scheduler").asText(), Time.parse(c.get("t_warmup").asText()),
                    alphaI, alphaF, Time.ofDuration(1.0));
            double[] base = doubles(c.get("base_lrs"));
            LrSchedule s = LrSchedule.start(sched, ctx, Timestamp.ZERO, base);
            Timestamp ts = Timestamp.ZERO;
            JsonNode lrs = c.get("lrs");
            int k = 0;
            while (!ctx.isDone(ts)) {
                for (long b = 0; b < len && !ctx.isDone(ts); b++) {
                    assertArrayEquals(doubles(lrs.get(k)), s.lrs(), 0.0, id + " batch " + k);
                    s.step(ts);
                    ts = ts.toNextBatch(c.get("samples").asLong(), c.get("tokens").asLong(), null);
                    k++;
                }
                if (!ctx.isDone(ts)) {
                    ts = ts.toNextEpoch();
                }
            }
            assertEquals(lrs.size(), k, id + ": number of batches");
            JsonNode fin = c.get("final_state");
            assertEquals(fin.get("last_epoch").asLong(), s.lastEpoch(), id);
            assertEquals(fin.get("_step_count").asLong(), s.stepCount(), id);
            assertArrayEquals(doubles(fin.get("_last_lr")), s.lrs(), 0.0, id);
            assertArrayEquals(doubles(fin.get("base_lrs")), s.baseLrs(), 0.0, id);
        }
        assertEquals(7, cases);
    }

    @Test
    void stateDictHasLambdaLrKeysAndRestores() {
        ScheduleContext ctx = ScheduleContext.of(Time.parse("10ba"), 10);
        Scheduler sched = CosineWithWarmup.of(Time.parse("2ba"), 0.0);
        LrSchedule s = LrSchedule.start(sched, ctx, Timestamp.ZERO, 1e-3, 4e-3);
        Timestamp ts = Timestamp.ZERO;
        for (int i = 0; i < 4; i++) {
            s.step(ts);
            ts = ts.toNextBatch(1, 1, null);
        }
        Map<String, Object> sd = s.stateDict();
        assertEquals(List.of("base_lrs", "last_epoch", "_step_count", "_is_initial", "_get_lr_called_within_step",
                "_last_lr", "lr_lambdas"), List.copyOf(sd.keySet()));
        assertEquals(List.of(1e-3, 4e-3), sd.get("base_lrs"));
        assertEquals(4L, sd.get("last_epoch"));
        assertEquals(5L, sd.get("_step_count"));
        assertEquals(false, sd.get("_is_initial"));
        assertEquals(Arrays.asList(null, null), sd.get("lr_lambdas"));

        LrSchedule r = LrSchedule.restore(sched, ctx, sd);
        assertArrayEquals(s.lrs(), r.lrs(), 0.0);
        s.step(ts);
        r.step(ts);
        assertArrayEquals(s.lrs(), r.lrs(), 0.0);
        assertEquals(s.stateDict(), r.stateDict());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LrSchedule.restore(sched, ctx, Map.of("base_lrs", List.of(1.0), "_last_lr", List.of(1.0))));
        assertEquals("LambdaLR state key 'last_epoch' must be an integer, got null", e.getMessage());
    }

    private static double[] doubles(JsonNode arr) {
        double[] d = new double[arr.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = arr.get(i).asDouble();
        }
        return d;
    }
}
