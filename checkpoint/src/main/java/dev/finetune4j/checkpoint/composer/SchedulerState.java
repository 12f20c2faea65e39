package dev.finetune4j.checkpoint.composer;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state of the {@code torch.optim.lr_scheduler.LambdaLR} that wraps a Composer scheduler
 * ({@code state['schedulers']['LambdaLR']}, docs/formats.md §3.4). {@code lr_lambdas} are plain functions and are
 * stored as None.
 *
 * @param baseLrs initial lr per param group
 * @param lastEpoch torch's {@code last_epoch}: the number of {@code step()} calls, 0 right after construction
 * @param stepCount torch's {@code _step_count}
 * @param lastLr lr per param group after the last step
 */
public record SchedulerState(List<Double> baseLrs, long lastEpoch, long stepCount, List<Double> lastLr) {
    public SchedulerState {
        baseLrs = List.copyOf(baseLrs);
        lastLr = List.copyOf(lastLr);
    }

    /** {@code LambdaLR.state_dict()}. */
    public Map<String, Object> toStateDict() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("base_lrs", new ArrayList<Object>(baseLrs));
        m.put("last_epoch", lastEpoch);
        m.put("_step_count", stepCount);
        m.put("_get_lr_called_within_step", false);
        m.put("_last_lr", new ArrayList<Object>(lastLr));
        List<Object> lambdas = new ArrayList<>();
        for (int i = 0; i < baseLrs.size(); i++) {
            lambdas.add(null);
        }
        m.put("lr_lambdas", lambdas);
        return m;
    }

    /**
     * Parses a {@code LambdaLR.state_dict()}; unknown keys (verbose, _is_initial) are ignored and a missing
     * {@code _step_count} defaults to {@code last_epoch + 1}, torch's count for a scheduler started at -1.
     */
    public static SchedulerState fromStateDict(Map<?, ?> m, String source) {
        long lastEpoch = longOf(m.get("last_epoch"), "last_epoch", source);
        long stepCount = m.get("_step_count") == null ? lastEpoch + 1 : longOf(m.get("_step_count"), "_step_count",
                source);
        return new SchedulerState(doubles(m.get("base_lrs"), "base_lrs", source), lastEpoch, stepCount,
                doubles(m.get("_last_lr"), "_last_lr", source));
    }

    private static long longOf(Object o, String key, String source) {
        if (o instanceof Long l) {
            return l;
        }
        if (o instanceof Integer i) {
            return i;
        }
        throw CheckpointFormatException.of(source, "state.schedulers.LambdaLR." + key + " is not an int but " + o);
    }

    private static List<Double> doubles(Object o, String key, String source) {
        if (!(o instanceof List<?> l)) {
            throw CheckpointFormatException.of(source, "state.schedulers.LambdaLR." + key + " is not a list but " + o);
        }
        List<Double> out = new ArrayList<>();
        for (Object x : l) {
            if (!(x instanceof Number n)) {
                throw CheckpointFormatException.of(source, "state.schedulers.LambdaLR." + key + " holds " + x);
            }
            out.add(n.doubleValue());
        }
        return out;
    }
}
