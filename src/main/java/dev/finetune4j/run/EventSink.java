package dev.finetune4j.run;

import dev.finetune4j.engine.event.RunEvent;
import dev.finetune4j.engine.event.RunListener;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Appends each {@link RunEvent} to {@code events.jsonl} as one flushed JSON object:
 * {@code {"time": "…Z", "event": "checkpoint_saved", "step": 100, "path": "…"}} — the event's fields follow the
 * three fixed keys.
 */
public final class EventSink implements RunListener, Closeable {
    /** The file name inside the run folder. */
    public static final String FILE_NAME = "events.jsonl";

    private final JsonLines out;

    /** Appends to {@code file} (created with its folders if missing). */
    public EventSink(Path file) {
        this.out = new JsonLines(file);
    }

    /** A sink writing {@code runDir/events.jsonl}. */
    public static EventSink inRunDir(Path runDir) {
        return new EventSink(runDir.resolve(FILE_NAME));
    }

    @Override
    public void onEvent(RunEvent event) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("time", event.time().toString());
        o.put("event", event.type().jsonName());
        o.put("step", event.step());
        o.putAll(event.fields());
        out.append(o);
    }

    /** The file written. */
    public Path file() {
        return out.file();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
