package dev.finetune4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns exceptions into one clear line on stderr (exit 1); the stack trace only with --verbose. Usage errors
 * stay with picocli (usage + exit 2).
 */
final class ErrorHandler implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parseResult) {
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        cl.getErr().println("error: " + msg);
        if (parseResult.hasMatchedOption("--verbose")
                || (parseResult.subcommand() != null && parseResult.subcommand().hasMatchedOption("--verbose"))) {
            ex.printStackTrace(cl.getErr());
        }
        cl.getErr().flush();
        return ex instanceof NotImplementedException ? 3 : 1;
    }
}
