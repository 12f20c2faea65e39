package dev.finetune4j.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns any failure into one clear line on stderr (exit 1); the stack trace only with --verbose. Usage errors
 * stay with picocli (usage + exit 2). Errors ({@link OutOfMemoryError}, {@link StackOverflowError}, …) get the same
 * treatment as exceptions: a JVM out of memory says what was running and how to give it more
 * ({@code FINETUNE4J_JAVA_OPTS}, read by {@code scripts/finetune4j}).
 */
final class ErrorHandler implements IExecutionExceptionHandler {
    /** The environment variable scripts/finetune4j passes to the JVM (default {@code -Xmx8g}). */
    static final String JAVA_OPTS_ENV = "FINETUNE4J_JAVA_OPTS";

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parseResult) {
        boolean verbose = parseResult.hasMatchedOption("--verbose")
                || (parseResult.subcommand() != null && parseResult.subcommand().hasMatchedOption("--verbose"));
        return report(ex, cl.getErr(), verbose, commandName(parseResult));
    }

    /** A {@link Throwable} that escaped picocli's handling (an Error from a command): one line, exit 1. */
    static int reportEscaped(Throwable t, PrintWriter err, String[] args) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        String command = Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst().orElse("finetune4j");
        return report(t, err, verbose, command);
    }

    private static int report(Throwable t, PrintWriter err, boolean verbose, String command) {
        err.println("error: " + describe(t, command, Runtime.getRuntime().maxMemory()));
        if (verbose) {
            t.printStackTrace(err);
        }
        err.flush();
        return t instanceof NotImplementedException ? 3 : 1;
    }

    /** The one line (without "error: ") for {@code t} thrown while running {@code command}. */
    static String describe(Throwable t, String command, long maxHeapBytes) {
        if (t instanceof OutOfMemoryError) {
            return "the JVM ran out of memory while running '" + command + "' (" + t.getMessage() + "; maximum "
                    + "heap " + (maxHeapBytes >> 20) + " MiB). Give it more memory, e.g. " + JAVA_OPTS_ENV
                    + "=-Xmx16g scripts/finetune4j " + command + " ... (or java -Xmx16g -jar finetune4j.jar), or "
                    + "make the job smaller; --verbose shows where";
        }
        if (t instanceof StackOverflowError) {
            return "the JVM ran out of stack while running '" + command + "' (input nested too deeply, or a bug); "
                    + "a larger thread stack can be given with " + JAVA_OPTS_ENV + "=-Xss16m; --verbose shows where";
        }
        String msg = t.getMessage();
        if (t instanceof Error || msg == null || msg.isBlank()) {
            String name = t.getClass().getSimpleName();
            return "unexpected " + name + " while running '" + command + "'" + (msg == null || msg.isBlank() ? ""
                    : ": " + msg) + " (--verbose shows where)";
        }
        return msg;
    }

    private static String commandName(ParseResult parseResult) {
        return parseResult.subcommand() != null ? parseResult.subcommand().commandSpec().name()
                : parseResult.commandSpec().name();
    }
}
