package dev.finetune4j.run;

import dev.finetune4j.checkpoint.AtomicFiles;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.engine.event.Metrics;
import dev.finetune4j.engine.event.RunEvent;
import dev.finetune4j.engine.event.RunListener;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run folder ({@code experiment_path/run_name/}) and its sinks: {@code run.yaml} (written atomically),
 * {@code metrics.jsonl}, {@code events.jsonl}, {@code tensorboard/}, and the progress display, plus any listeners
 * the embedding application adds. Forwards every event and metrics record to all of them; a listener that throws
 * is logged and does not stop training or the other listeners.
 */
public final class RunOutputs implements RunListener, Closeable {
    /** The resolved configuration inside the run folder. */
    public static final String RUN_YAML = "run.yaml";
    private static final Logger LOG = LoggerFactory.getLogger(RunOutputs.class);

    private final Path runDir;
    private final List<Closeable> closeables = new ArrayList<>();
    private final List<RunListener> listeners = new CopyOnWriteArrayList<>();

    private RunOutputs(Path runDir) {
        this.runDir = runDir;
    }

    /**
     * Creates the run folder, writes {@code run.yaml} and opens the sinks.
     *
     * @param config  a configuration with {@code run_name} set
     * @param console where progress goes (usually {@code System.out})
     * @throws UncheckedIOException when the folder or files cannot be written
     */
    public static RunOutputs create(RunConfig config, PrintStream console) {
        Path dir = config.runDir();
        RunOutputs o = new RunOutputs(dir);
        try {
            Files.createDirectories(dir);
            AtomicFiles.writeString(dir.resolve(RUN_YAML), config.toYaml());
            MetricsSink metrics = MetricsSink.inRunDir(dir);
            o.closeables.add(metrics);
            o.listeners.add(metrics);
            EventSink events = EventSink.inRunDir(dir);
            o.closeables.add(events);
            o.listeners.add(events);
            TensorBoardWriter tb = TensorBoardWriter.inRunDir(dir);
            o.closeables.add(tb);
            o.listeners.add(tb);
        } catch (IOException e) {
            o.closeQuietly();
            throw new UncheckedIOException("cannot create the run folder " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            o.closeQuietly();
            throw e;
        }
        o.listeners.add(ProgressReporter.create(config.progress(), console, Duration.ofSeconds(30),
                progressSteps(config)));
        return o;
    }

    /**
     * The outputs of a rank other than 0 of a distributed job: rank 0 writes the run's files (docs/distributed.md);
     * this one writes nothing and only passes events to the listeners added to it.
     */
    public static RunOutputs withoutFiles(Path runDir) {
        return new RunOutputs(runDir);
    }

    private static long progressSteps(RunConfig config) {
        return config.logInterval().count(); // log_interval is validated to whole batches (ba) >= 1
    }

    /** The run folder. */
    public Path runDir() {
        return runDir;
    }

    /** Adds a listener (e.g. from the embedding API); it receives everything from now on. */
    public void addListener(RunListener listener) {
        listeners.add(listener);
    }

    @Override
    public void onEvent(RunEvent event) {
        for (RunListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("Run listener {} failed on event {}: {}", l.getClass().getName(), event.type(),
                        e.toString());
            }
        }
    }

    @Override
    public void onMetrics(Metrics metrics) {
        for (RunListener l : listeners) {
            try {
                l.onMetrics(metrics);
            } catch (RuntimeException e) {
                LOG.warn("Run listener {} failed on metrics at step {}: {}", l.getClass().getName(), metrics.step(),
                        e.toString());
            }
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException e) {
            LOG.warn("closing run outputs failed: {}", e.toString());
        }
    }

    /** Closes the files (fsyncing them). */
    @Override
    public void close() throws IOException {
        IOException first = null;
        for (Closeable c : closeables) {
            try {
                c.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        closeables.clear();
        if (first != null) {
            throw first;
        }
    }
}
