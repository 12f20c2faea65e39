package dev.finetune4j.cli;

import dev.finetune4j.fetch.HubInputs;
import dev.finetune4j.app.DataCheck;
import dev.finetune4j.config.RunConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code finetune4j validate CONFIG.yaml}: checks the configuration and its data without training; prints the
 * validation report ({@code file:line: reason} per problem) and token statistics. Exit 1 when the run would fail.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Validates a run configuration and its data; prints the report and token statistics.")
public final class ValidateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONFIG", description = "Run configuration file.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a configuration key; repeatable.")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        RunConfig rc = HubInputs.resolve(RunConfig.load(config, overrides));
        DataCheck.Report report = DataCheck.run(rc);
        System.out.print(report.text());
        return report.ok() ? 0 : 1;
    }
}
