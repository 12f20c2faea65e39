package dev.finetune4j.engine.schedule;

/** The unit and length checks Composer runs on every warmup-scheduler call (docs/training.md §2.1). */
final class WarmupChecks {
    private WarmupChecks() {
    }

    /** Composer's {@code _raise_if_warmup_and_max_incompatible}. */
    static void requireSameUnit(Time tWarmup, Time tMax, Time rawWarmup, Time rawMax) {
        if (tWarmup.unit() != tMax.unit()) {
            throw new ScheduleException("Cannot use warmup scheduler with t_max " + rawMax + " (" + tMax
                    + ") and t_warmup " + rawWarmup + " (" + tWarmup + "): t_warmup and t_max must convert to the"
                    + " same unit; give t_warmup in dur or in the unit of the training duration");
        }
    }

    /** Composer's {@code _raise_if_max_duration_exceeds_t_max}; units that cannot be compared pass. */
    static void requireCoversTraining(Time tMax, ScheduleContext ctx) {
        Time max = ctx.maxDuration();
        boolean ok;
        if (tMax.unit() == max.unit()) {
            ok = tMax.value() >= max.value();
        } else if (tMax.unit() == TimeUnit.BATCH && max.unit() == TimeUnit.EPOCH && ctx.dataloaderLen().isPresent()) {
            ok = tMax.value() >= max.value() * ctx.dataloaderLen().getAsLong();
        } else if (tMax.unit() == TimeUnit.EPOCH && max.unit() == TimeUnit.BATCH && ctx.dataloaderLen().isPresent()) {
            ok = tMax.value() * ctx.dataloaderLen().getAsLong() >= max.value();
        } else {
            ok = true;
        }
        if (!ok) {
            throw new ScheduleException("t_max " + tMax + " must be greater than or equal to the training duration "
                    + max + ". Otherwise, the LR schedule will not be defined for the entire training duration");
        }
    }
}
