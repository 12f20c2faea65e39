package dev.finetune4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code finetune4j} command line. DJL is always started offline: the properties are set here, before any
 * DJL class is touched.
 */
@Command(name = "finetune4j", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Fine-tunes decoder LLMs (Llama, Mistral, Qwen2) on DJL/PyTorch.",
        subcommands = {
            TrainCommand.class,
            ValidateCommand.class,
            InspectCommand.class,
            TokenizeCommand.class,
            RenderChatCommand.class,
            ScoreCommand.class,
            GenerateCommand.class,
            ExportCommand.class,
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

    /** Runs the CLI and returns its exit code (2 for usage errors). */
    public static int execute(String... args) {
        Offline.enforce();
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setParameterExceptionHandler((ex, a) -> {
            // usage errors: the message (with picocli's suggestions), then the usage of the command at fault; exit 2
            CommandLine at = ex.getCommandLine();
            at.getErr().println(ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, at.getErr());
            at.usage(at.getErr());
            return 2;
        });
        return cl.execute(args);
    }
}
