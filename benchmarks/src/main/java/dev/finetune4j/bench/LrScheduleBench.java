package dev.finetune4j.bench;

import dev.finetune4j.checkpoint.composer.Timestamp;
import dev.finetune4j.engine.schedule.CosineWithWarmup;
import dev.finetune4j.engine.schedule.LinearWithWarmup;
import dev.finetune4j.engine.schedule.LrSchedule;
import dev.finetune4j.engine.schedule.ScheduleContext;
import dev.finetune4j.engine.schedule.Scheduler;
import dev.finetune4j.engine.schedule.Time;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-optimizer-step bookkeeping of the schedule package: one {@link LrSchedule#step} (α evaluation with
 * Composer's time conversion and checks) plus one {@link Timestamp#toNextBatch}, as the training loop does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LrScheduleBench {

    @Param({"linear", "cosine"})
    public String scheduler;

    private LrSchedule schedule;
    private Timestamp timestamp;

    @Setup
    public void setup() {
        ScheduleContext ctx = ScheduleContext.of(Time.parse("2ep"), 1_000_000);
        Scheduler s = scheduler.equals("linear") ? LinearWithWarmup.of(Time.parse("0.02dur"), 0.0)
                : CosineWithWarmup.of(Time.parse("0.02dur"), 0.0);
        schedule = LrSchedule.start(s, ctx, Timestamp.ZERO, 1e-4, 1.6e-3);
        timestamp = Timestamp.ZERO;
    }

    @Benchmark
    public double stepAndAdvance() {
        schedule.step(timestamp);
        timestamp = timestamp.toNextBatch(8, 16_384, Duration.ofMillis(250));
        if (timestamp.batch() >= 1_999_999) {
            timestamp = Timestamp.ZERO;
        }
        return schedule.lr();
    }
}
