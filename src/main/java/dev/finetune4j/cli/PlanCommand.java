package dev.finetune4j.cli;

import dev.finetune4j.app.RunPlan;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.fetch.HubInputs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code finetune4j plan CONFIG.yaml [--device-memory GB] [--json] [--nproc-per-node N --nnodes M]}: the memory a
 * run's training step will hold (per rank of a data-parallel job, docs/distributed.md).
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Estimates the memory a run needs per component (from the configuration and the model's "
                + "config.json only) and whether it fits. Exit 0 when it fits, 1 when it does not.")
public final class PlanCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONFIG", description = "Run configuration file (.yaml, .yml or .json).")
    Path config;

    @Option(names = "--device-memory", paramLabel = "GB",
            description = "Memory to check against, in GB (2^30 bytes); default: the run's device (CPU: physical RAM).")
    Double deviceMemory;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Option(names = "--nproc-per-node", paramLabel = "N",
            description = "Plan one rank of a data-parallel job with N ranks per node (as train --nproc-per-node).")
    int nprocPerNode = 1;

    @Option(names = "--nnodes", paramLabel = "M", description = "Nodes of that job (default 1).")
    int nnodes = 1;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a configuration key; repeatable.")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        if (deviceMemory != null && !(deviceMemory > 0 && deviceMemory < 1e7)) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--device-memory must be a positive number of GB, got " + deviceMemory);
        }
        if (nprocPerNode < 1 || nnodes < 1 || (long) nprocPerNode * nnodes > 1 << 20) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--nproc-per-node and --nnodes must be positive, got " + nprocPerNode + " and " + nnodes);
        }
        RunPlan plan = RunPlan.of(HubInputs.resolve(RunConfig.load(config, overrides)), deviceMemory,
                nprocPerNode * nnodes, nprocPerNode);
        System.out.print(json ? plan.json() + "\n" : plan.table());
        return plan.fits() ? 0 : 1;
    }
}
