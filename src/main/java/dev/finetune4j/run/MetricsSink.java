package dev.finetune4j.run;

import dev.finetune4j.engine.event.Metrics;
import dev.finetune4j.engine.event.RunListener;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Appends each {@link Metrics} to {@code metrics.jsonl} as one flushed JSON object:
 * {@code {"step": 12, "time": "2026-…Z", "loss/train": 1.23, "lr": 1e-5, …}}.
 */
public final class MetricsSink implements RunListener, Closeable {
    /** The file name inside the run folder. */
    public static final String FILE_NAME = "metrics.jsonl";

    private final JsonLines out;

    /** Appends to {@code file} (created with its folders if missing). */
    public MetricsSink(Path file) {
        this.out = new JsonLines(file);
    }

    /** A sink writing {@code runDir/metrics.jsonl}. */
    public static MetricsSink inRunDir(Path runDir) {
        return new MetricsSink(runDir.resolve(FILE_NAME));
    }

    @Override
    public void onMetrics(Metrics metrics) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("step", metrics.step());
        o.put("time", metrics.time().toString());
        for (Map.Entry<String, Double> e : metrics.values().entrySet()) {
            if (!e.getKey().equals("step") && !e.getKey().equals("time")) {
                o.put(e.getKey(), e.getValue());
            }
        }
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
