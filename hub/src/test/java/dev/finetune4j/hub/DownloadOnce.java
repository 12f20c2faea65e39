package dev.finetune4j.hub;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** A child process for {@link TwoProcessDownloadTest}: downloads one file and prints its local path. */
public final class DownloadOnce {

    private DownloadOnce() {
    }

    /** Arguments: endpoint, cache folder, repo id, file. */
    public static void main(String[] args) {
        HubSettings s = new HubSettings(URI.create(args[0]), Optional.empty(), Path.of(args[1]), false, Duration.ofSeconds(5), 3, false);
        System.out.println(new HubClient(s).download(RepoRef.parse(RepoType.MODEL, args[2]), args[3]));
    }
}
