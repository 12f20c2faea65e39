package dev.finetune4j.cli;

import dev.finetune4j.hub.Globs;
import dev.finetune4j.hub.HubClient;
import dev.finetune4j.hub.RepoRef;
import dev.finetune4j.hub.RepoType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code finetune4j download REPO [--repo-type model|dataset] [--revision R] [--include GLOB]...}: fetches a Hub
 * repository into the shared huggingface_hub cache and prints the local snapshot folder (docs/hub.md). A model
 * without {@code --include} brings what a run needs; a dataset brings every file.
 */
@Command(name = "download", mixinStandardHelpOptions = true,
        description = "Downloads a Hugging Face Hub repository into the cache and prints its local snapshot folder.")
public final class DownloadCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "REPO", description = "org/name or org/name@revision.")
    String repo;

    @Option(names = "--repo-type", paramLabel = "TYPE", defaultValue = "model", description = "model or dataset (default: ${DEFAULT-VALUE}).")
    String repoType;

    @Option(names = "--revision", paramLabel = "R", description = "Branch, tag or commit (default: main, or the @revision of REPO).")
    String revision;

    @Option(names = "--include", paramLabel = "GLOB", description = "Only files matching this pattern (fnmatch, * crosses folders); repeatable.")
    List<String> include = new ArrayList<>();

    @Override
    public Integer call() {
        RepoType type = RepoType.parse(repoType);
        RepoRef ref = RepoRef.parse(type, repo);
        if (revision != null) {
            if (repo.contains("@") && !ref.revision().equals(revision)) {
                throw new IllegalArgumentException("REPO names revision '" + ref.revision() + "' and --revision says '" + revision + "'; give one");
            }
            ref = ref.at(revision);
        }
        HubClient hub = HubClient.fromEnvironment();
        Path snapshot;
        if (!include.isEmpty()) {
            snapshot = hub.snapshot(ref, Globs.anyOf(include));
        } else if (type == RepoType.MODEL) {
            snapshot = hub.model(ref);
        } else {
            snapshot = hub.snapshot(ref, f -> true);
        }
        System.out.println(snapshot);
        return 0;
    }
}
