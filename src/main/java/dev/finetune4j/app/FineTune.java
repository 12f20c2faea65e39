package dev.finetune4j.app;

import dev.finetune4j.config.RunConfig;
import java.io.PrintStream;

/**
 * The embedding API: {@code FineTune.create(config)} prepares a run (run folder, run.yaml, sinks) and returns its
 * handle; {@link FineTuneRun#start()} trains on a background thread and {@link FineTuneRun#await()} waits for the
 * result (or trains on the calling thread when not started).
 *
 * <pre>{@code
 * RunConfig config = RunConfig.load(Path.of("config.yaml"));
 * try (FineTuneRun run = FineTune.create(config)) {
 *     run.addListener(new RunListener() { ... });
 *     RunResult result = run.await();
 * }
 * }</pre>
 */
public final class FineTune {
    private FineTune() {
    }

    /** A run whose progress display goes to {@code System.out}. */
    public static FineTuneRun create(RunConfig config) {
        return create(config, System.out);
    }

    /** A run whose progress display goes to {@code console}. */
    public static FineTuneRun create(RunConfig config, PrintStream console) {
        return FineTuneRun.create(config, console);
    }
}
