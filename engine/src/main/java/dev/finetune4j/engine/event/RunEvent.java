package dev.finetune4j.engine.event;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One lifecycle event.
 *
 * @param type   what happened
 * @param time   when
 * @param step   the optimizer step (batch count) at the time
 * @param fields details, e.g. {@code path} for checkpoint_saved or {@code reason} for failed; the keys
 *               {@code time}, {@code event} and {@code step} are reserved
 */
public record RunEvent(EventType type, Instant time, long step, Map<String, Object> fields) {
    private static final Set<String> RESERVED = Set.of("time", "event", "step");

    /** Validates and copies the fields (insertion order kept; null values allowed). */
    public RunEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(time, "time");
        for (String k : fields.keySet()) {
            if (RESERVED.contains(k)) {
                throw new IllegalArgumentException("event field '" + k + "' is reserved; reserved: " + RESERVED);
            }
        }
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** An event happening now. */
    public static RunEvent now(EventType type, long step, Map<String, Object> fields) {
        return new RunEvent(type, Instant.now(), step, fields);
    }

    /** A {@code failed} event now, with the error's message (or class name) as {@code reason}. */
    public static RunEvent failed(long step, Throwable error) {
        String reason = error.getMessage() == null ? error.getClass().getName() : error.getMessage();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("reason", reason);
        f.put("error", error.getClass().getName());
        return now(EventType.FAILED, step, f);
    }
}
