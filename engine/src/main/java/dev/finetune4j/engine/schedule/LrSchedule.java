package dev.finetune4j.engine.schedule;

import dev.finetune4j.checkpoint.composer.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a {@link Scheduler} with the timing of Composer's {@code LambdaLR} wrapper (docs/training.md §2
 * "When the LR is evaluated"): the constructor step sets {@code lr = base_lr * α(timestamp at start)}; the trainer
 * calls {@link #step(Timestamp)} after each optimizer step and <em>before</em> advancing the timestamp. So the
 * batch with 0-based index k trains with {@code α(max(k − 1, 0))} — with a linear warmup batches 0 and 1 both
 * train at α(0) = 0.
 *
 * <p>One learning rate per parameter group ({@code base_lrs}, e.g. LoRA+ groups). Not thread-safe.
 */
public final class LrSchedule {
    private static final Logger LOG = LoggerFactory.getLogger(LrSchedule.class);

    private final Scheduler scheduler;
    private final ScheduleContext context;
    private final double[] baseLrs;
    private long lastEpoch;
    private long stepCount;
    private double[] lastLr;

    private LrSchedule(Scheduler scheduler, ScheduleContext context, double[] baseLrs, long lastEpoch,
                       long stepCount, double[] lastLr) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.context = Objects.requireNonNull(context, "context");
        this.baseLrs = baseLrs.clone();
        this.lastEpoch = lastEpoch;
        this.stepCount = stepCount;
        this.lastLr = lastLr.clone();
    }

    /**
     * Creates the schedule like {@code LambdaLR(optimizer, fn)}: {@code _step_count} and {@code last_epoch} become
     * 1 and 0, and the learning rates are {@code base_lr * α(initial)}.
     *
     * @param initial the timestamp when the trainer starts ({@link Timestamp#ZERO} for a fresh run)
     * @param baseLrs the learning rate of each parameter group ({@code initial_lr})
     * @throws ScheduleException when the schedule does not fit the run
     */
    public static LrSchedule start(Scheduler scheduler, ScheduleContext context, Timestamp initial,
                                   double... baseLrs) {
        if (baseLrs.length == 0) {
            throw new IllegalArgumentException("At least one parameter-group learning rate is needed");
        }
        scheduler.warmup().ifPresent(w -> {
            if (w.unit() != TimeUnit.SECOND && TimeConverter.convert(w, context).isZero()) {
                LOG.warn("The warmup duration {} is 0 for training duration {}. A warmup given as a fraction of the"
                        + " training duration is counted in the unit of the training duration.", w,
                        context.maxDuration());
            }
        });
        LrSchedule s = new LrSchedule(scheduler, context, baseLrs, -1, 0, new double[baseLrs.length]);
        s.step(initial);
        return s;
    }

    /**
     * {@code LambdaLR.step()}: {@code _step_count += 1}, {@code last_epoch += 1}, and the learning rates for the
     * next batch become {@code base_lr * α(current)}. Call after the optimizer step, before the timestamp of the
     * finished batch is advanced.
     */
    public void step(Timestamp current) {
        double alpha = scheduler.alpha(current, context);
        stepCount++;
        lastEpoch++;
        double[] lrs = new double[baseLrs.length];
        for (int i = 0; i < lrs.length; i++) {
            lrs[i] = baseLrs[i] * alpha;
        }
        lastLr = lrs;
    }

    /** The learning rates the next optimizer step uses, one per parameter group. */
    public double[] lrs() {
        return lastLr.clone();
    }

    /** The learning rate of the first parameter group for the next optimizer step. */
    public double lr() {
        return lastLr[0];
    }

    /** The unscheduled learning rates ({@code initial_lr} of each group). */
    public double[] baseLrs() {
        return baseLrs.clone();
    }

    /** LambdaLR's {@code last_epoch}: the number of {@link #step} calls minus one. */
    public long lastEpoch() {
        return lastEpoch;
    }

    /** LambdaLR's {@code _step_count}: the number of {@link #step} calls including the constructor's. */
    public long stepCount() {
        return stepCount;
    }

    /** The scheduler being driven. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** The run context the scheduler reads. */
    public ScheduleContext context() {
        return context;
    }

    /**
     * The LambdaLR state dict for {@code state['schedulers']['LambdaLR']} in a Composer checkpoint: keys in
     * {@code __dict__} insertion order ({@code base_lrs, last_epoch, _step_count, _is_initial,
     * _get_lr_called_within_step, _last_lr}) then {@code lr_lambdas} = one {@code None} per group. Numbers are
     * {@link Double} / {@link Long}, flags {@link Boolean}, lists {@link List}.
     */
    public Map<String, Object> stateDict() {
        Map<String, Object> sd = new LinkedHashMap<>();
        sd.put("base_lrs", toList(baseLrs));
        sd.put("last_epoch", lastEpoch);
        sd.put("_step_count", stepCount);
        sd.put("_is_initial", Boolean.FALSE);
        sd.put("_get_lr_called_within_step", Boolean.FALSE);
        sd.put("_last_lr", toList(lastLr));
        sd.put("lr_lambdas", Collections.unmodifiableList(Arrays.asList(new Object[baseLrs.length])));
        return sd;
    }

    /**
     * Restores a schedule from {@link #stateDict()} or a Composer checkpoint's LambdaLR entry; the learning rates
     * continue from {@code _last_lr}, as the optimizer's restored param groups do in Composer.
     *
     * @throws IllegalArgumentException naming a missing key or a value of the wrong type
     */
    public static LrSchedule restore(Scheduler scheduler, ScheduleContext context, Map<String, ?> sd) {
        double[] base = doubles(sd, "base_lrs");
        double[] last = doubles(sd, "_last_lr");
        if (base.length != last.length || base.length == 0) {
            throw new IllegalArgumentException("LambdaLR state has " + base.length + " base_lrs but " + last.length
                    + " _last_lr entries; they must match and be non-empty");
        }
        return new LrSchedule(scheduler, context, base, longValue(sd, "last_epoch"), longValue(sd, "_step_count"),
                last);
    }

    private static List<Double> toList(double[] v) {
        List<Double> l = new ArrayList<>(v.length);
        for (double d : v) {
            l.add(d);
        }
        return Collections.unmodifiableList(l);
    }

    private static double[] doubles(Map<String, ?> sd, String key) {
        Object v = sd.get(key);
        if (!(v instanceof List<?> list)) {
            throw new IllegalArgumentException("LambdaLR state key '" + key + "' must be a list of numbers, got "
                    + v);
        }
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Number n)) {
                throw new IllegalArgumentException("LambdaLR state key '" + key + "'[" + i + "] must be a number, got "
                        + list.get(i));
            }
            out[i] = n.doubleValue();
        }
        return out;
    }

    private static long longValue(Map<String, ?> sd, String key) {
        if (sd.get(key) instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return n.longValue();
        }
        throw new IllegalArgumentException("LambdaLR state key '" + key + "' must be an integer, got " + sd.get(key));
    }
}
