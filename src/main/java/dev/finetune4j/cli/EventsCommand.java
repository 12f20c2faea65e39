package dev.finetune4j.cli;

import dev.finetune4j.run.EventSink;
import dev.finetune4j.run.RunFolder;
import dev.finetune4j.run.RunSummary;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code finetune4j events RUN_DIR [--follow]}: prints a run's events.jsonl, optionally until the run ends. */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = "Prints a run's lifecycle events (events.jsonl, one JSON object per line).")
public final class EventsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "The run folder (experiment_path/run_name).")
    Path runDir;

    @Option(names = "--follow", description = "Keep printing new events until the run ends (or --timeout passes).")
    boolean follow;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "86400",
            description = "With --follow: give up after this many seconds (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!Files.isDirectory(runDir) || !RunFolder.isRun(runDir)) {
            throw new IllegalArgumentException(runDir + " is not a finetune4j run folder");
        }
        Path file = runDir.resolve(EventSink.FILE_NAME);
        PrintStream out = System.out;
        long pos = copyNewLines(file, 0, out);
        if (!follow) {
            return 0;
        }
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        while ("running".equals(RunSummary.of(runDir).status())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("run in " + runDir + " still running after --timeout "
                        + timeoutSeconds + " s");
            }
            Thread.sleep(250);
            pos = copyNewLines(file, pos, out);
        }
        copyNewLines(file, pos, out);
        return 0;
    }

    /** Prints the complete lines after byte {@code from}; returns the offset after the last one printed. */
    private static long copyNewLines(Path file, long from, PrintStream out) throws IOException {
        if (!Files.isRegularFile(file)) {
            return from;
        }
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(Math.min(from, Files.size(file)));
            byte[] rest = in.readAllBytes();
            int end = rest.length;
            while (end > 0 && rest[end - 1] != '\n') {
                end--; // a line still being appended waits for the next round
            }
            out.write(rest, 0, end);
            out.flush();
            return from + end;
        }
    }
}
