package dev.finetune4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.run.RunSummary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code finetune4j runs [--experiment-path DIR] [--json]}: the runs of an experiment folder and their status. */
@Command(name = "runs", mixinStandardHelpOptions = true,
        description = "Lists the runs under an experiment folder: name, status (running, completed, failed, stopped, "
                + "cancelled), step, last loss, started/ended and the newest checkpoint.")
public final class RunsCommand implements Callable<Integer> {
    @Option(names = "--experiment-path", paramLabel = "DIR", defaultValue = "runs",
            description = "The experiment_path holding the run folders (default: ${DEFAULT-VALUE}).")
    Path experimentPath;

    @Option(names = "--json", description = "Print a JSON array instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!java.nio.file.Files.isDirectory(experimentPath)) {
            throw new IllegalArgumentException("--experiment-path " + experimentPath + " is not a folder");
        }
        List<RunSummary> runs = RunSummary.list(experimentPath);
        if (json) {
            List<Map<String, Object>> out = new ArrayList<>();
            runs.forEach(r -> out.add(r.toMap()));
            System.out.println(new ObjectMapper().writeValueAsString(out));
            return 0;
        }
        if (runs.isEmpty()) {
            System.out.println("no runs under " + experimentPath);
            return 0;
        }
        String fmt = "%-24s %-10s %8s %10s %-20s %-20s %s%n";
        System.out.printf(fmt, "NAME", "STATUS", "STEP", "LOSS", "STARTED", "ENDED", "CHECKPOINT");
        for (RunSummary r : runs) {
            System.out.printf(fmt, r.name(), r.status(), r.step(),
                    r.lastLoss() == null ? "-" : String.format(Locale.ROOT, "%.4f", r.lastLoss()),
                    r.started() == null ? "-" : r.started().toString().substring(0, 19).replace('T', ' '),
                    r.ended() == null ? "-" : r.ended().toString().substring(0, 19).replace('T', ' '),
                    r.checkpoint() == null ? "-" : r.checkpoint());
        }
        return 0;
    }
}
