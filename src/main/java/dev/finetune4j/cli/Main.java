package dev.finetune4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code finetune4j} command line. DJL is always started offline: the properties are set here, before any
 * DJL class is touched.
 */
@Command(name = "finetune4j", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Fine-tunes decoder LLMs (Llama, Mistral, Qwen2, Mixtral, Gemma 2, Phi-3) on DJL/PyTorch.",
        subcommands = {
            TrainCommand.class,
            ValidateCommand.class,
            InspectCommand.class,
            TokenizeCommand.class,
            RenderChatCommand.class,
            ScoreCommand.class,
            GenerateCommand.class,
            ExportCommand.class,
            DownloadCommand.class,
            RunsCommand.class,
            CancelCommand.class,
            EventsCommand.class,
            PlanCommand.class,
        })
public final class Main implements Runnable {

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Log debug output.")
    void verbose(boolean v) {
        if (v) {
            Logging.verbose();
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /**
     * Runs the CLI and returns its exit code (2 for usage errors, 1 for failures). No Throwable escapes: whatever
     * reaches here (an OutOfMemoryError, a StackOverflowError, …) becomes one {@code error:} line.
     */
    public static int execute(String... args) {
        return execute(new Main(), args);
    }

    static int execute(Object command, String... args) {
        try {
            Offline.enforce();
            return commandLine(command).execute(args);
        } catch (Throwable t) {
            return ErrorHandler.reportEscaped(t, new java.io.PrintWriter(System.err, true), args);
        }
    }

    private static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setParameterExceptionHandler((ex, a) -> {
            // usage errors: the message (with picocli's suggestions), then the usage of the command at fault; exit 2
            CommandLine at = ex.getCommandLine();
            at.getErr().println(ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, at.getErr());
            at.usage(at.getErr());
            return 2;
        });
        return cl;
    }
}
