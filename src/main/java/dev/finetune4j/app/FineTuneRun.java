package dev.finetune4j.app;

import dev.finetune4j.config.RunConfig;
import dev.finetune4j.distributed.C10dException;
import dev.finetune4j.distributed.TorchrunEnv;
import dev.finetune4j.run.RunEvent;
import dev.finetune4j.run.RunListener;
import dev.finetune4j.run.RunOutputs;
import dev.finetune4j.run.EventType;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A training run's handle: its folder and sinks exist from creation on; listeners may be added before it starts.
 * A failure is reported as a {@code failed} event (with the reason) and rethrown from {@link #await()}.
 */
public final class FineTuneRun implements AutoCloseable {
    private final RunConfig config;
    private final RunOutputs outputs;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private CompletableFuture<RunResult> future;

    private FineTuneRun(RunConfig config, RunOutputs outputs) {
        this.config = config;
        this.outputs = outputs;
    }

    static FineTuneRun create(RunConfig config, PrintStream console) {
        config.requireInputsExist(); // before the run folder exists: a bad path names its key, nothing half-made
        RunConfig named = config.runName() != null ? config
                : config.withRunName("run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        java.util.Optional<TorchrunEnv> job = DistributedRun.environment();
        boolean writes = job.map(TorchrunEnv::isMain).orElse(true); // rank 0 writes
        if (job.filter(j -> j.worldSize() > 1).isPresent() && config.runName() == null) {
            throw new C10dException("a distributed job needs run_name, so that its ranks agree on the run folder");
        }
        RunOutputs outputs = writes ? RunOutputs.create(named, console) : RunOutputs.withoutFiles(named.runDir());
        outputs.onEvent(RunEvent.now(EventType.CREATED, 0, Map.of("run_dir", named.runDir().toString(),
                "model", named.model().toString())));
        return new FineTuneRun(named, outputs);
    }

    /** The resolved configuration (run_name set). */
    public RunConfig config() {
        return config;
    }

    /** The run folder. */
    public Path runDir() {
        return outputs.runDir();
    }

    /** Adds a listener for events and metrics. */
    public FineTuneRun addListener(RunListener listener) {
        outputs.addListener(listener);
        return this;
    }

    /** Starts training on a background thread (once). */
    public synchronized FineTuneRun start() {
        if (future == null) {
            future = new CompletableFuture<>();
            CompletableFuture<RunResult> f = future;
            Thread t = new Thread(() -> complete(f), "finetune4j-" + config.runName());
            t.start();
        }
        return this;
    }

    /** Asks the run to stop after the current optimizer step; it saves a checkpoint first. */
    public void requestStop() {
        stop.set(true);
    }

    /**
     * Asks the run to stop and waits (at most {@code timeout}) until it has saved its checkpoint and returned; for
     * shutdown hooks (Ctrl-C), which must not return before the checkpoint is on disk.
     *
     * @return true when the run finished within the timeout (or never started)
     */
    public boolean stopAndWait(Duration timeout) {
        requestStop();
        synchronized (this) {
            if (future == null) {
                return true;
            }
        }
        try {
            return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Waits for the result; trains on the calling thread when {@link #start()} was not called.
     *
     * @throws RuntimeException the failure that ended the run (also reported as a failed event)
     */
    public RunResult await() {
        CompletableFuture<RunResult> f;
        boolean here;
        synchronized (this) {
            here = future == null;
            if (here) {
                future = new CompletableFuture<>();
            }
            f = future;
        }
        if (here) {
            complete(f); // outside the lock: stopAndWait must not block on it
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the run", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private void complete(CompletableFuture<RunResult> f) {
        try {
            f.complete(runHere());
        } catch (Throwable e) {
            f.completeExceptionally(e);
        }
    }

    private RunResult runHere() {
        try {
            return new RunPipeline(config, outputs, stop::get).run();
        } catch (RuntimeException | Error e) {
            outputs.onEvent(RunEvent.failed(0, e));
            throw e;
        } finally {
            finished.countDown();
        }
    }

    @Override
    public void close() {
        try {
            outputs.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
