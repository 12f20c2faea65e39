package dev.finetune4j.cli;

import dev.finetune4j.config.RunConfig;
import dev.finetune4j.distributed.Launcher;
import dev.finetune4j.distributed.TorchrunEnv;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ParameterException;

/**
 * {@code train --nproc-per-node N [--nnodes M --node-rank R --master-addr A --master-port P]}: starts this node's N
 * ranks as JVMs running {@code train} with torchrun's variables set, and supervises them (docs/distributed.md).
 */
final class RankLaunch {
    private final Path config;
    private final List<String> overrides;
    private final RunConfig resolved;
    private final int nproc;
    private final int nnodes;
    private final int nodeRank;
    private final String masterAddr;
    private final int masterPort;
    private final boolean force;

    RankLaunch(Path config, List<String> overrides, RunConfig resolved, Integer nproc, Integer nnodes,
               Integer nodeRank, String masterAddr, Integer masterPort, boolean force) {
        this.force = force;
        this.config = config;
        this.overrides = overrides;
        this.resolved = resolved;
        this.nproc = check("--nproc-per-node", nproc == null ? 1 : nproc, 1, 4096);
        this.nnodes = check("--nnodes", nnodes == null ? 1 : nnodes, 1, 1 << 16);
        this.nodeRank = check("--node-rank", nodeRank == null ? 0 : nodeRank, 0, this.nnodes - 1);
        this.masterAddr = masterAddr == null ? "127.0.0.1" : masterAddr;
        this.masterPort = check("--master-port", masterPort == null ? TorchrunEnv.DEFAULT_PORT : masterPort, 1,
                65535);
        if (this.nnodes > 1 && resolved.runName() == null) {
            throw new ParameterException(new picocli.CommandLine(new TrainCommand()), "a job on " + this.nnodes
                    + " nodes needs run_name in the configuration (or --set run_name=...), so that every node's "
                    + "ranks use the same run folder");
        }
        if (resolved.globalBatchSize() % (this.nproc * this.nnodes) != 0) {
            throw new ParameterException(new picocli.CommandLine(new TrainCommand()), "global_batch_size "
                    + resolved.globalBatchSize() + " must be a multiple of the job's " + this.nproc * this.nnodes
                    + " ranks, so that every rank gets the same number of rows");
        }
    }

    int run() throws Exception {
        List<String> args = rankArguments();
        List<String> jvm = new ArrayList<>();
        jvm.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin",
                "java").toString()));
        jvm.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        jvm.add("-cp");
        jvm.add(System.getProperty("java.class.path"));
        jvm.add(Main.class.getName());
        int world = nproc * nnodes;
        List<Launcher.RankCommand> ranks = new ArrayList<>();
        for (int local = 0; local < nproc; local++) {
            TorchrunEnv env = new TorchrunEnv(nodeRank * nproc + local, world, local, nproc, masterAddr, masterPort);
            Map<String, String> vars = new HashMap<>(env.toEnv());
            vars.put("GROUP_RANK", Integer.toString(nodeRank));
            if (System.getenv("OMP_NUM_THREADS") == null) {
                vars.put("OMP_NUM_THREADS", Integer.toString(Math.max(1,
                        Runtime.getRuntime().availableProcessors() / nproc)));
            }
            List<String> cmd = new ArrayList<>(jvm);
            cmd.addAll(args);
            ranks.add(new Launcher.RankCommand(env.rank(), local, cmd, vars));
        }
        Duration grace = Duration.ofSeconds((long) Math.min(600, resolved.distTimeout() + 30));
        return new Launcher(System.err, grace).run(ranks);
    }

    /** The {@code train} arguments of every rank: the launcher's own options are replaced by torchrun's variables. */
    List<String> rankArguments() {
        List<String> args = new ArrayList<>(List.of("train", config.toString()));
        if (force) { // every train option but the launcher's own reaches the ranks
            args.add("--force");
        }
        for (String o : overrides) {
            args.add("--set");
            args.add(o);
        }
        if (resolved.runName() == null) { // one name for all ranks (each would otherwise stamp its own)
            args.add("--set");
            args.add("run_name=run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        return args;
    }

    private static int check(String option, int value, int lo, int hi) {
        if (value < lo || value > hi) {
            throw new ParameterException(new picocli.CommandLine(new TrainCommand()), option + " must be in [" + lo
                    + ", " + hi + "], got " + value);
        }
        return value;
    }
}
