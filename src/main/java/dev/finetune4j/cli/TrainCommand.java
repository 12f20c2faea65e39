package dev.finetune4j.cli;

import dev.finetune4j.app.FineTune;
import dev.finetune4j.app.FineTuneRun;
import dev.finetune4j.app.RunPlan;
import dev.finetune4j.app.RunResult;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.fetch.HubInputs;
import dev.finetune4j.distributed.TorchrunEnv;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code finetune4j train CONFIG.yaml [--set key=value ...]}: runs a training job; with {@code --nproc-per-node N}
 * it starts N ranks of a data-parallel job on this node, as torchrun does ({@link RankLaunch}).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Trains a model from a run configuration (YAML or JSON).")
public final class TrainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONFIG", description = "Run configuration file (.yaml, .yml or .json).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a configuration key (dotted for nested blocks, e.g. lora.r=16); repeatable.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--force", description = "Train even when the memory plan says the run does not fit.")
    boolean force;

    @Option(names = "--nproc-per-node", paramLabel = "N",
            description = "Start N ranks of a data-parallel job on this node (as torchrun does).")
    Integer nprocPerNode;

    @Option(names = "--nnodes", paramLabel = "M", description = "Nodes in the job (default 1).")
    Integer nnodes;

    @Option(names = "--node-rank", paramLabel = "R", description = "This node's index, 0..M-1 (default 0).")
    Integer nodeRank;

    @Option(names = "--master-addr", paramLabel = "A",
            description = "Address of node 0, where rank 0 serves the rendezvous (default 127.0.0.1).")
    String masterAddr;

    @Option(names = "--master-port", paramLabel = "P", description = "Rendezvous port on node 0 (default 29500).")
    Integer masterPort;

    @Override
    public Integer call() throws Exception {
        // Hub inputs are fetched first: the plan reads the model's config.json (docs/hub.md)
        RunConfig rc = HubInputs.resolve(RunConfig.load(config, overrides));
        boolean launching = nprocPerNode != null || nnodes != null || nodeRank != null || masterAddr != null
                || masterPort != null;
        int world = 1;
        int localWorld = 1;
        if (launching) {
            localWorld = nprocPerNode == null ? 1 : Math.max(1, nprocPerNode);
            world = localWorld * (nnodes == null ? 1 : Math.max(1, nnodes));
        } else {
            java.util.Optional<TorchrunEnv> env = TorchrunEnv.from(System.getenv());
            if (env.isPresent()) {
                world = env.get().worldSize();
                localWorld = env.get().localWorldSize();
            }
        }
        RunPlan plan = RunPlan.of(rc, null, world, localWorld); // one rank's share (docs/distributed.md, "Memory")
        if (!plan.fits() && !force) {
            System.err.print(plan.table());
            System.err.println("error: the run needs about "
                    + String.format("%.1f", plan.perRank().total() / 1073741824.0)
                    + " GB but the device has " + String.format("%.1f", plan.deviceMemory() / 1073741824.0)
                    + " GB (finetune4j plan shows why); change the configuration or pass --force");
            return 1;
        }
        if (launching) {
            return new RankLaunch(config, overrides, rc, nprocPerNode, nnodes, nodeRank, masterAddr, masterPort,
                    force).run();
        }
        // Ctrl-C: finish the current step, save a checkpoint (autoresume continues from it), then exit. The hook is
        // installed before the run takes its folder, so a SIGTERM while it starts still ends it as "stopped"
        java.util.concurrent.CompletableFuture<FineTuneRun> started = new java.util.concurrent.CompletableFuture<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopWhenStarted(started)));
        FineTuneRun created;
        try {
            created = FineTune.create(rc);
        } catch (RuntimeException | Error e) {
            started.complete(null);
            throw e;
        }
        started.complete(created);
        try (FineTuneRun run = created) {
            RunResult r = run.await();
            if (!TorchrunEnv.from(System.getenv()).map(TorchrunEnv::isMain).orElse(true)) {
                return 0; // a rank other than 0 of a distributed job: rank 0 reports
            }
            if ("already_complete".equals(r.stopReason())) {
                System.out.println("run " + run.config().runName() + " is already complete: " + r.lastCheckpoint()
                        + " is at batch " + r.batches() + ", the end of training_duration "
                        + run.config().trainingDuration() + "; raise training_duration to train further");
                System.out.println("  run folder:  " + r.runDir());
                if (r.export() != null) {
                    System.out.println("  export:      " + r.export());
                }
                return 0;
            }
            if (r.lastCheckpoint() == null) {
                System.out.println("run " + run.config().runName() + " " + r.stopReason()
                        + " before training began; nothing was saved");
                return 0;
            }
            System.out.printf("run %s finished (%s) after %d batches, %d tokens: train loss %.4f%s%n",
                    run.config().runName(), r.stopReason(), r.batches(), r.tokens(), r.trainLoss(),
                    r.valLoss() == null ? "" : String.format(", val loss %.4f", r.valLoss()));
            System.out.println("  run folder:  " + r.runDir());
            System.out.println("  checkpoint:  " + r.lastCheckpoint());
            if (r.export() != null) {
                System.out.println("  export:      " + r.export());
            }
            if (r.registered() != null) {
                System.out.println("  registered:  " + r.registered());
            }
            return 0;
        }
    }

    /** Stops the run once it has been created (waiting for its start), or does nothing when it never started. */
    private static void stopWhenStarted(java.util.concurrent.CompletableFuture<FineTuneRun> started) {
        try {
            FineTuneRun run = started.get(2, java.util.concurrent.TimeUnit.MINUTES);
            if (run != null) {
                run.requestStop();
                // the main thread calls await() right after create(): let it begin, so that it records the stop
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (!run.started() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                run.stopAndWait(Duration.ofMinutes(10));
            }
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // the run never started: nothing to stop
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
