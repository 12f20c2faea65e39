package dev.finetune4j.run;

import dev.finetune4j.engine.train.TrainingListener;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Lets the engine's training loop report to {@link RunListener}s: event type strings become {@link EventType}s,
 * metric maps become {@link Metrics}. An event's step is its {@code step} or {@code batch} field when present,
 * else the last step seen in metrics.
 */
public final class TrainingListenerAdapter implements TrainingListener {
    private final RunListener target;
    private long lastStep;

    /** Forwards to {@code target}. */
    public TrainingListenerAdapter(RunListener target) {
        this.target = target;
    }

    @Override
    public void onEvent(String type, Map<String, Object> fields) {
        EventType t = eventType(type);
        Map<String, Object> f = new LinkedHashMap<>(fields);
        long step = lastStep;
        for (String k : new String[] {"step", "batch"}) {
            Object v = f.remove(k);
            if (v instanceof Number n) {
                step = n.longValue();
            } else if (v != null) {
                f.put(k + "_value", v);
            }
        }
        f.remove("time");
        f.remove("event");
        target.onEvent(RunEvent.now(t, step, f));
    }

    @Override
    public void onMetrics(long batch, Map<String, Double> metrics) {
        lastStep = batch;
        target.onMetrics(Metrics.now(batch, metrics));
    }

    private static EventType eventType(String type) {
        try {
            return EventType.valueOf(type.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("Unknown run event type '" + type + "'; allowed: "
                    + Arrays.stream(EventType.values()).map(EventType::jsonName).collect(Collectors.joining(", ")),
                    e);
        }
    }
}
