package dev.finetune4j.app;

import dev.finetune4j.fetch.HubInputs;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.distributed.C10dException;
import dev.finetune4j.distributed.TorchrunEnv;
import dev.finetune4j.engine.event.RunEvent;
import dev.finetune4j.engine.event.RunListener;
import dev.finetune4j.run.RunOutputs;
import dev.finetune4j.engine.event.EventType;
import dev.finetune4j.run.RunFolder;
import dev.finetune4j.run.RunLock;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoints;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
    private static final Logger LOG = LoggerFactory.getLogger(FineTuneRun.class);
    private final RunConfig config;
    private final RunOutputs outputs;
    private final RunLock lock; // null on a rank other than 0 of a distributed job
    private final Optional<Path> resumeFrom;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private CompletableFuture<RunResult> future;

    private FineTuneRun(RunConfig config, RunOutputs outputs, RunLock lock, Optional<Path> resumeFrom) {
        this.config = config;
        this.outputs = outputs;
        this.lock = lock;
        this.resumeFrom = resumeFrom;
    }

    static FineTuneRun create(RunConfig configured, PrintStream console) {
        RunConfig config = HubInputs.resolve(configured); // Hub ids and hf:// paths → the local cache (docs/hub.md)
        config.requireInputsExist(); // before the run folder exists: a bad path names its key, nothing half-made
        RunConfig named = config.runName() != null ? config
                : config.withRunName("run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Optional<TorchrunEnv> job = DistributedRun.environment();
        if (job.filter(j -> j.worldSize() > 1).isPresent() && config.runName() == null) {
            throw new C10dException("a distributed job needs run_name, so that its ranks agree on the run folder");
        }
        Path runDir = named.runDir();
        List<String> notes = new ArrayList<>();
        Consumer<String> note = n -> {
            LOG.warn(n);
            notes.add(n);
        };
        if (!job.map(TorchrunEnv::isMain).orElse(true)) {
            // a rank other than 0 of a distributed job: rank 0 owns the run folder (checks, lock, files); this rank
            // only reads the same resume point (docs/distributed.md)
            Optional<Path> resume = named.autoresume()
                    ? ComposerCheckpoints.resumePoint(runDir.resolve("checkpoints"), n -> LOG.debug(n))
                    : Optional.empty();
            RunOutputs outputs = RunOutputs.withoutFiles(runDir);
            outputs.onEvent(RunEvent.now(EventType.CREATED, 0, Map.of("run_dir", runDir.toString(),
                    "model", named.model().toString())));
            return new FineTuneRun(named, outputs, null, resume);
        }
        // refusals below change nothing in the folder: checks and the resume point first, then the lock
        RunFolder.check(runDir, named.autoresume());
        Optional<Path> resume = named.autoresume()
                ? ComposerCheckpoints.resumePoint(runDir.resolve("checkpoints"), note) : Optional.empty();
        RunLock lock = RunFolder.lock(runDir, named.runName(), note);
        RunOutputs outputs;
        try {
            outputs = RunOutputs.create(named, console);
        } catch (RuntimeException e) {
            lock.onEvent(RunEvent.failed(0, e));
            lock.close();
            throw e;
        }
        outputs.addListener(lock);
        Map<String, Object> created = new LinkedHashMap<>();
        created.put("run_dir", runDir.toString());
        created.put("model", named.model().toString());
        created.put("pid", lock.record().pid());
        created.put("host", lock.record().host());
        resume.ifPresent(p -> created.put("resume_from", p.toString()));
        if (!notes.isEmpty()) {
            created.put("notes", notes);
        }
        outputs.onEvent(RunEvent.now(EventType.CREATED, 0, created));
        return new FineTuneRun(named, outputs, lock, resume);
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

    /** Whether training has begun ({@link #start()} or {@link #await()} was called). */
    public synchronized boolean started() {
        return future != null;
    }

    /** Asks the run to stop after the current optimizer step; it saves a checkpoint first. */
    public void requestStop() {
        stop.set(true);
    }

    /**
     * Cancels the run as {@code finetune4j cancel} does from another process: it stops after the current step with
     * a checkpoint and ends with reason {@code cancelled}.
     */
    public void cancel() {
        RunLock.requestCancel(runDir());
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
            StopRequest stopRequest = new StopRequest(stop::get, lock != null ? lock::cancelRequested : () -> false);
            return new RunPipeline(config, outputs, stopRequest, resumeFrom)
                    .run();
        } catch (RuntimeException | Error e) {
            outputs.onEvent(RunEvent.failed(lock != null ? lock.record().step() : 0, e));
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
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }
}
