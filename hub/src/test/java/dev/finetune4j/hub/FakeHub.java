package dev.finetune4j.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Hub stand-in on 127.0.0.1 (random ports) speaking the protocol the client uses: the revision API, HEAD/GET on
 * {@code resolve} with X-Repo-Commit / ETag / X-Linked-Etag / X-Linked-Size, LFS files redirected to a second
 * server (the "CDN", another origin) that honours Range, X-Error-Code answers, and faults on demand (a connection
 * dropped mid-file, a stall, corrupted bytes).
 */
public final class FakeHub implements AutoCloseable {

    public static final String TOKEN = "hf_test_token";

    /** One file of a repo. */
    public record Entry(byte[] bytes, boolean lfs) {
        String sha256() {
            return hex("SHA-256", bytes);
        }

        String gitSha1() {
            byte[] head = ("blob " + bytes.length + "\0").getBytes(StandardCharsets.UTF_8);
            byte[] all = new byte[head.length + bytes.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(bytes, 0, all, head.length, bytes.length);
            return hex("SHA-1", all);
        }
    }

    /** One repo: its commit, branch names, files, and whether it is gated. */
    public static final class Repo {
        final String commit;
        final Map<String, String> refs = new ConcurrentHashMap<>();
        final Map<String, Entry> files = Collections.synchronizedMap(new LinkedHashMap<>());
        boolean gated;

        Repo(String commit) {
            this.commit = commit;
            refs.put("main", commit);
        }

        public Repo file(String name, byte[] bytes, boolean lfs) {
            files.put(name, new Entry(bytes, lfs));
            return this;
        }
    }

    private final HttpServer hub;
    private final HttpServer cdn;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-hub");
        t.setDaemon(true);
        return t;
    });
    final Map<String, Repo> repos = new ConcurrentHashMap<>();
    final Map<String, byte[]> cdnBlobs = new ConcurrentHashMap<>();
    /** sha256s whose next full GET is cut after a third of the bytes. */
    final Set<String> dropOnce = ConcurrentHashMap.newKeySet();
    /** sha256s whose next GET stalls (sends half, then nothing) for {@link #stallMillis}. */
    final Set<String> stallOnce = ConcurrentHashMap.newKeySet();
    /** sha256s served with one byte flipped. */
    final Set<String> corrupt = ConcurrentHashMap.newKeySet();
    volatile long stallMillis = 3000;
    /** Pause after each 8 KiB written by the CDN (to make transfers overlap). */
    volatile int cdnChunkDelayMillis;
    final AtomicInteger cdnGets = new AtomicInteger();
    public final AtomicInteger apiCalls = new AtomicInteger();
    /** The next this-many API calls answer 503. */
    final AtomicInteger apiFailures = new AtomicInteger();
    final List<String> cdnRanges = Collections.synchronizedList(new ArrayList<>());
    final List<String> cdnAuthorization = Collections.synchronizedList(new ArrayList<>());
    final List<String> hubAuthorization = Collections.synchronizedList(new ArrayList<>());

    public FakeHub() throws IOException {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        hub = HttpServer.create(any, 0);
        cdn = HttpServer.create(any, 0);
        hub.setExecutor(pool);
        cdn.setExecutor(pool);
        hub.createContext("/", this::hub);
        cdn.createContext("/", this::cdn);
        hub.start();
        cdn.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
    }

    public Repo add(RepoType type, String id, String commit) {
        Repo r = new Repo(commit);
        repos.put(type.plural() + "/" + id, r);
        return r;
    }

    HubSettings settings(java.nio.file.Path cache, boolean withToken) {
        return new HubSettings(endpoint(), withToken ? java.util.Optional.of(TOKEN) : java.util.Optional.empty(), cache, false,
                java.time.Duration.ofSeconds(1), 3, false);
    }

    // ---- hub: /api/... and /[datasets/]org/name/resolve/rev/file

    private void hub(HttpExchange x) throws IOException {
        try (x) {
            hubAuthorization.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
            String path = x.getRequestURI().getRawPath();
            if (path.startsWith("/api/")) {
                api(x, path.substring("/api/".length()));
            } else {
                resolve(x, path.substring(1));
            }
        }
    }

    private void api(HttpExchange x, String rest) throws IOException {
        apiCalls.incrementAndGet();
        if (apiFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            error(x, 503, null, "overloaded");
            return;
        }
        // {models|datasets}/org/name/revision/rev
        String[] p = rest.split("/", 5);
        if (p.length < 5 || !p[3].equals("revision")) {
            error(x, 404, null, null);
            return;
        }
        Repo repo = repos.get(p[0] + "/" + p[1] + "/" + p[2]);
        if (repo == null) {
            error(x, 401, "RepoNotFound", null);
            return;
        }
        String commit = commitOf(repo, decode(p[4]));
        if (commit == null) {
            error(x, 404, "RevisionNotFound", null);
            return;
        }
        StringBuilder json = new StringBuilder("{\"id\":\"" + p[1] + "/" + p[2] + "\",\"sha\":\"" + commit + "\",\"siblings\":[");
        synchronized (repo.files) {
            String sep = "";
            for (String f : repo.files.keySet()) {
                json.append(sep).append("{\"rfilename\":\"").append(f).append("\"}");
                sep = ",";
            }
        }
        json.append("]}");
        send(x, 200, Map.of("Content-Type", "application/json"), json.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void resolve(HttpExchange x, String rest) throws IOException {
        String type = "models";
        if (rest.startsWith("datasets/")) {
            type = "datasets";
            rest = rest.substring("datasets/".length());
        }
        String[] p = rest.split("/", 5);
        if (p.length < 5 || !p[2].equals("resolve")) {
            error(x, 404, null, null);
            return;
        }
        Repo repo = repos.get(type + "/" + p[0] + "/" + p[1]);
        if (repo == null) {
            error(x, 401, "RepoNotFound", "Repository Not Found for url: " + x.getRequestURI());
            return;
        }
        boolean authorized = ("Bearer " + TOKEN).equals(x.getRequestHeaders().getFirst("Authorization"));
        if (repo.gated && !authorized) {
            error(x, 401, "GatedRepo", "Access to model " + p[0] + "/" + p[1] + " is restricted.");
            return;
        }
        String commit = commitOf(repo, decode(p[3]));
        if (commit == null) {
            error(x, 404, "RevisionNotFound", "Invalid rev id: " + decode(p[3]));
            return;
        }
        String file = decode(p[4]);
        Entry e = repo.files.get(file);
        if (e == null) {
            x.getResponseHeaders().add("X-Repo-Commit", commit);
            error(x, 404, "EntryNotFound", "Entry not found");
            return;
        }
        x.getResponseHeaders().add("X-Repo-Commit", commit);
        if (e.lfs()) {
            String sha = e.sha256();
            cdnBlobs.put(sha, e.bytes());
            x.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
            x.getResponseHeaders().add("X-Linked-Size", String.valueOf(e.bytes().length));
            x.getResponseHeaders().add("ETag", "\"pointer-etag\"");
            x.getResponseHeaders().add("Location", "http://127.0.0.1:" + cdn.getAddress().getPort() + "/cdn/" + sha);
            x.sendResponseHeaders(302, -1);
            return;
        }
        x.getResponseHeaders().add("ETag", "\"" + e.gitSha1() + "\"");
        if (x.getRequestMethod().equals("HEAD")) {
            x.getResponseHeaders().add("Content-Length", String.valueOf(e.bytes().length));
            x.sendResponseHeaders(200, -1);
        } else {
            send(x, 200, Map.of(), e.bytes());
        }
    }

    private static String commitOf(Repo repo, String rev) {
        if (rev.equals(repo.commit)) {
            return rev;
        }
        return repo.refs.get(rev);
    }

    // ---- cdn: /cdn/<sha256>, Range honoured

    private void cdn(HttpExchange x) throws IOException {
        try (x) {
            cdnAuthorization.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
            String sha = x.getRequestURI().getPath().substring("/cdn/".length());
            byte[] all = cdnBlobs.get(sha);
            if (all == null) {
                error(x, 404, null, null);
                return;
            }
            if (x.getRequestMethod().equals("GET")) {
                cdnGets.incrementAndGet();
            }
            if (corrupt.contains(sha)) {
                all = all.clone();
                all[all.length / 2] ^= 1;
            }
            String range = x.getRequestHeaders().getFirst("Range");
            cdnRanges.add(String.valueOf(range));
            int from = 0;
            if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
                from = Integer.parseInt(range.substring(6, range.length() - 1));
                if (from >= all.length) {
                    x.sendResponseHeaders(416, -1);
                    return;
                }
                x.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (all.length - 1) + "/" + all.length);
            }
            int len = all.length - from;
            x.sendResponseHeaders(from > 0 ? 206 : 200, len);
            OutputStream out = x.getResponseBody();
            int cut = len;
            boolean stall = false;
            if (from == 0 && dropOnce.remove(sha)) {
                cut = len / 3;
            } else if (stallOnce.remove(sha)) {
                cut = len / 2;
                stall = true;
            }
            for (int i = 0; i < cut; i += 8192) {
                out.write(all, from + i, Math.min(8192, cut - i));
                out.flush();
                pause(cdnChunkDelayMillis);
            }
            if (stall) {
                pause(stallMillis);
            }
            if (cut < len && !stall) {
                return; // closing now, bytes missing: the server drops the connection
            }
            if (stall) {
                return;
            }
        } catch (IOException e) {
            // the client went away (for example cut by its stall watchdog)
        }
    }

    private static void pause(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void error(HttpExchange x, int status, String code, String message) throws IOException {
        if (code != null) {
            x.getResponseHeaders().add("X-Error-Code", code);
        }
        if (message != null) {
            x.getResponseHeaders().add("X-Error-Message", message);
        }
        byte[] body = ("{\"error\":\"" + (message == null ? "error" : message.replace("\"", "'")) + "\"}").getBytes(StandardCharsets.UTF_8);
        if (x.getRequestMethod().equals("HEAD")) {
            x.sendResponseHeaders(status, -1);
        } else {
            send(x, status, Map.of(), body);
        }
    }

    private static void send(HttpExchange x, int status, Map<String, String> headers, byte[] body) throws IOException {
        headers.forEach(x.getResponseHeaders()::add);
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            x.getResponseBody().write(body);
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    static String hex(String algorithm, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
        pool.shutdownNow();
    }
}
