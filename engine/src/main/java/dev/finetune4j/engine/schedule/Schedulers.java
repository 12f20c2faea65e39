package dev.finetune4j.engine.schedule;

import java.util.List;
import java.util.Locale;

/** Builds a scheduler from the run configuration's name and parameters (llm-foundry's registry names). */
public final class Schedulers {
    /** Accepted names; {@code linear_decay_with_warmup} is llm-foundry's name for {@code linear_with_warmup}. */
    public static final List<String> NAMES = List.of("linear_with_warmup", "linear_decay_with_warmup",
            "cosine_with_warmup", "constant_with_warmup", "constant");

    private Schedulers() {
    }

    /**
     * The scheduler called {@code name}. {@code constant} is Composer's ConstantScheduler (no warmup, α = 1);
     * {@code constant_with_warmup} warms up to {@code alphaI} and stays there.
     *
     * @param tWarmup warmup length (ignored by {@code constant})
     * @param alphaI  multiplier after warmup (linear and constant_with_warmup; cosine always warms to 1)
     * @param alphaF  final multiplier (linear, cosine)
     * @param tMax    end of the schedule, usually {@code 1dur}
     * @throws ScheduleException for an unknown name, listing the allowed ones
     */
    public static Scheduler create(String name, Time tWarmup, double alphaI, double alphaF, Time tMax) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "linear_with_warmup", "linear_decay_with_warmup" ->
                    new LinearWithWarmup(tWarmup, alphaI, alphaF, tMax, false);
            case "cosine_with_warmup" -> new CosineWithWarmup(tWarmup, tMax, alphaF, false);
            case "constant_with_warmup" -> new ConstantWithWarmup(tWarmup, alphaI, tMax, false);
            case "constant" -> new Constant(1.0, tMax);
            default -> throw new ScheduleException("Unknown scheduler '" + name + "'; allowed: " + NAMES);
        };
    }
}
