package dev.finetune4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches files of Hub repositories into the shared huggingface_hub cache and answers with paths inside it
 * (docs/hub.md). Thread-safe; two processes fetching the same file share one download through the blob lock.
 */
public final class HubClient {

    private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The revision API answer is bounded: a listing of 100k files is far below this. */
    static final int MAX_API_BYTES = 64 << 20;
    private final HubSettings settings;
    private final HubHttp http;
    private final HubCache cache;
    private final Transfer transfer;

    public HubClient(HubSettings settings) {
        this(settings, HubHttp.REAL_SLEEP);
    }

    HubClient(HubSettings settings, HubHttp.Sleeper sleeper) {
        this.settings = settings;
        this.http = new HubHttp(settings, sleeper);
        this.cache = new HubCache(settings.cacheDir());
        this.transfer = new Transfer(http);
    }

    /** A client configured from this process's environment variables. */
    public static HubClient fromEnvironment() {
        return new HubClient(HubSettings.fromEnvironment());
    }

    public HubSettings settings() {
        return settings;
    }

    public HubCache cache() {
        return cache;
    }

    /** The commit and file list of a revision ({@code GET /api/{models|datasets}/{repo}/revision/{rev}}). */
    public RevisionInfo revision(RepoRef repo) {
        requireOnline(repo, null);
        URI uri = URI.create(settings.endpoint() + "/api/" + repo.type().plural() + "/" + repo.id() + "/revision/"
                + Urls.encode(repo.revision(), false));
        HttpResponse<InputStream> r = http.send("GET", uri, Map.of("Accept", "application/json"),
                HttpResponse.BodyHandlers.ofInputStream(), false, repo.toString());
        HubErrors.check(r, repo, null, settings.token().isPresent(), settings.endpoint());
        JsonNode json;
        try (InputStream in = r.body()) {
            byte[] body = in.readNBytes(MAX_API_BYTES + 1);
            if (body.length > MAX_API_BYTES) {
                throw new HubException(HubException.Reason.NETWORK, "the Hub's file list for " + repo + " exceeds " + (MAX_API_BYTES >> 20) + " MiB");
            }
            json = JSON.readTree(body);
        } catch (IOException e) {
            throw new HubException(HubException.Reason.NETWORK, "unreadable answer from " + uri + ": " + HubHttp.describe(e), e);
        }
        String sha = json.path("sha").asText("");
        if (!RepoRef.isCommit(sha)) {
            throw new HubException(HubException.Reason.NETWORK, uri + " answered no commit sha; is HF_ENDPOINT a Hub?");
        }
        List<String> files = new ArrayList<>();
        for (JsonNode s : json.path("siblings")) {
            String f = s.path("rfilename").asText("");
            try {
                files.add(RepoPaths.checkRelative(f, repo.id()));
            } catch (IllegalArgumentException e) {
                throw new HubException(HubException.Reason.NETWORK, "the Hub listed " + e.getMessage());
            }
        }
        return new RevisionInfo(sha, files);
    }

    /** What a {@code HEAD} on the file's resolve URL says (commit, etag, size, download location). */
    public FileMetadata metadata(RepoRef repo, String file) {
        requireOnline(repo, file);
        URI url = resolveUrl(repo, file);
        HttpResponse<Void> r = http.send("HEAD", url, Map.of("Accept-Encoding", "identity"),
                HttpResponse.BodyHandlers.discarding(), false, "'" + file + "' of " + repo);
        HubErrors.check(r, repo, file, settings.token().isPresent(), settings.endpoint());
        var h = r.headers();
        URI location = r.statusCode() / 100 == 3 ? r.uri().resolve(h.firstValue("Location").orElse("")) : r.uri();
        if (!"http".equals(location.getScheme()) && !"https".equals(location.getScheme())) {
            throw new HubException(HubException.Reason.NETWORK, url + " redirected to an unusable location '" + location + "'");
        }
        String commit = h.firstValue("X-Repo-Commit").orElse(null);
        if (!RepoRef.isCommit(commit)) {
            throw new HubException(HubException.Reason.NETWORK, url + " sent no X-Repo-Commit header; is HF_ENDPOINT a Hub?");
        }
        String etag = h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag")).map(FileMetadata::normalizeEtag).orElse(null);
        if (etag == null) {
            throw new HubException(HubException.Reason.NETWORK, url + " sent no ETag; the file cannot be cached reliably");
        }
        long size = h.firstValue("X-Linked-Size").or(() -> h.firstValue("Content-Length")).map(HubClient::parseSize).orElse(-1L);
        return new FileMetadata(commit, etag, size, location);
    }

    /**
     * The local path of one file ({@code snapshots/<commit>/<file>}), downloaded when the cache lacks it. Offline,
     * or when the Hub cannot be reached, the cached copy of the revision is used.
     */
    public Path download(RepoRef repo, String file) {
        RepoPaths.checkRelative(file, repo.id());
        if (repo.pinned()) {
            Path p = cache.pointer(repo, repo.revision(), file);
            if (Files.exists(p)) {
                return p;
            }
        }
        if (settings.offline()) {
            return cached(repo, file, "HF_HUB_OFFLINE is set");
        }
        FileMetadata meta;
        try {
            meta = metadata(repo, file);
        } catch (HubException e) {
            if (e.reason() != HubException.Reason.NETWORK || e.getCause() == null) {
                throw e;
            }
            LOG.warn("{}; using the cached copy", e.getMessage());
            return cached(repo, file, e.getMessage());
        }
        try {
            return store(repo, file, meta);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + " of " + repo + " into " + cache.root() + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("try") // the lock is held for the block, not used in it
    private Path store(RepoRef repo, String file, FileMetadata meta) throws IOException {
        cache.writeRef(repo, meta.commit());
        Path pointer = cache.pointer(repo, meta.commit(), file);
        if (Files.exists(pointer)) {
            return pointer;
        }
        Path blob = cache.blob(repo, meta.etag());
        Files.createDirectories(blob.getParent());
        try (HubCache.BlobLock lock = cache.lock(repo, meta.etag())) {
            if (!Files.exists(blob)) {
                Path incomplete = blob.resolveSibling(blob.getFileName() + ".incomplete");
                LOG.debug("downloading {} of {} to {}", file, repo, incomplete);
                transfer.fetch(meta.location(), incomplete, meta.size(), meta.etag(), file);
                Files.move(incomplete, blob, StandardCopyOption.ATOMIC_MOVE);
            }
            cache.link(blob, pointer);
        }
        return pointer;
    }

    /**
     * Downloads the files of a revision that {@code include} selects and returns {@code snapshots/<commit>}.
     * Offline (or with the Hub unreachable) returns the cached snapshot of the revision.
     *
     * @throws HubException when nothing matches, or the revision is not cached while offline
     */
    public Path snapshot(RepoRef repo, Predicate<String> include) {
        return select(repo, info -> include, "the selection");
    }

    /** The files a training run needs of a model repository ({@link ModelFiles}); returns the snapshot folder. */
    public Path model(RepoRef repo) {
        return select(repo, info -> ModelFiles.forRun(info.files()), "a model file (config.json, tokenizer, *.safetensors)");
    }

    /** The configs and tokenizer files of a model repository (no weights); returns the snapshot folder. */
    public Path tokenizer(RepoRef repo) {
        return select(repo, info -> ModelFiles.forTokenizer(), "a config or tokenizer file");
    }

    private Path select(RepoRef repo, java.util.function.Function<RevisionInfo, Predicate<String>> selection, String wantedWhat) {
        if (settings.offline()) {
            return cachedSnapshot(repo, "HF_HUB_OFFLINE is set");
        }
        RevisionInfo info;
        try {
            info = revision(repo);
        } catch (HubException e) {
            if (e.reason() != HubException.Reason.NETWORK || e.getCause() == null) {
                throw e;
            }
            LOG.warn("{}; using the cached snapshot", e.getMessage());
            return cachedSnapshot(repo, e.getMessage());
        }
        List<String> wanted = info.files().stream().filter(selection.apply(info)).toList();
        if (wanted.isEmpty()) {
            throw new HubException(HubException.Reason.ENTRY_NOT_FOUND, repo + " holds no " + wantedWhat + " (it holds "
                    + info.files().size() + " files" + (info.files().isEmpty() ? "" : ", e.g. "
                    + String.join(", ", info.files().subList(0, Math.min(5, info.files().size())))) + ")");
        }
        cache.writeRef(repo, info.commit());
        RepoRef pinned = repo.at(info.commit());
        for (String f : wanted) {
            download(pinned, f);
        }
        return cache.snapshot(repo, info.commit());
    }

    /** The local file or folder an {@code hf://} path names (a folder brings every file under it). */
    public Path resolve(HfUri uri) {
        String p = uri.path();
        if (p.isEmpty()) {
            return snapshot(uri.repo(), f -> true);
        }
        Path snap = select(uri.repo(), info -> f -> f.equals(p) || f.startsWith(p + "/"), "file or folder '" + p + "'");
        Path local = snap.resolve(p);
        if (!Files.exists(local)) {
            throw new HubException(HubException.Reason.NOT_CACHED, uri + " is not in the cached snapshot " + snap
                    + "; run once without HF_HUB_OFFLINE to download it");
        }
        return local;
    }

    private Path cached(RepoRef repo, String file, String why) {
        Optional<String> commit = cache.cachedCommit(repo);
        if (commit.isPresent()) {
            Path p = cache.pointer(repo, commit.get(), file);
            if (Files.exists(p)) {
                return p;
            }
        }
        throw new HubException(HubException.Reason.NOT_CACHED, why + " and '" + file + "' of " + repo + " is not in the cache "
                + cache.root() + "; run once with network access (e.g. finetune4j download " + repo.id() + ")");
    }

    private Path cachedSnapshot(RepoRef repo, String why) {
        Optional<String> commit = cache.cachedCommit(repo);
        if (commit.isPresent()) {
            Path snap = cache.snapshot(repo, commit.get());
            if (Files.isDirectory(snap, LinkOption.NOFOLLOW_LINKS)) {
                return snap;
            }
        }
        throw new HubException(HubException.Reason.NOT_CACHED, why + " and " + repo + " has no snapshot in the cache " + cache.root()
                + "; run once with network access (e.g. finetune4j download " + repo.id()
                + (repo.type() == RepoType.DATASET ? " --repo-type dataset" : "") + ")");
    }

    private void requireOnline(RepoRef repo, String file) {
        if (settings.offline()) {
            throw new HubException(HubException.Reason.NOT_CACHED, "HF_HUB_OFFLINE is set: cannot ask the Hub about "
                    + (file == null ? repo.toString() : "'" + file + "' of " + repo));
        }
    }

    URI resolveUrl(RepoRef repo, String file) {
        return URI.create(settings.endpoint() + "/" + repo.type().urlPrefix() + repo.id() + "/resolve/"
                + Urls.encode(repo.revision(), false) + "/" + Urls.encode(file, true));
    }

    private static long parseSize(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

}
