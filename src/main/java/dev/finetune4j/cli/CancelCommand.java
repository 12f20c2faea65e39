package dev.finetune4j.cli;

import dev.finetune4j.run.RunFolder;
import dev.finetune4j.run.RunLock;
import dev.finetune4j.run.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code finetune4j cancel RUN_DIR}: asks a running run (in any process on a file system this one shares) to finish
 * its current step, save a checkpoint and end with reason {@code cancelled}.
 */
@Command(name = "cancel", mixinStandardHelpOptions = true,
        description = "Cancels a running run: it finishes its current step, saves a checkpoint and ends as cancelled.")
public final class CancelCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "The run folder (experiment_path/run_name).")
    Path runDir;

    @Override
    public Integer call() {
        if (!Files.isDirectory(runDir) || !RunFolder.isRun(runDir)) {
            throw new IllegalArgumentException(runDir + " is not a finetune4j run folder");
        }
        RunSummary s = RunSummary.of(runDir);
        if (!"running".equals(s.status())) {
            throw new IllegalStateException("run " + s.name() + " in " + runDir + " is not running (" + s.status()
                    + "); nothing to cancel");
        }
        RunLock.requestCancel(runDir);
        System.out.println("cancel requested for run " + s.name() + " (pid " + s.pid() + " on " + s.host()
                + "); it stops after its current step and saves a checkpoint");
        return 0;
    }
}
