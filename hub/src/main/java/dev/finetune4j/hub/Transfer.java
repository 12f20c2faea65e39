package dev.finetune4j.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads one blob into {@code <blob>.incomplete}: resumes what is already there with {@code Range: bytes=N-},
 * retries dropped or stalled transfers (a transfer with no byte for the timeout is cut), then checks the size and,
 * for LFS files whose ETag is a sha256, the sha256 (docs/hub.md "Cache layout" (Resume, Integrity)).
 */
final class Transfer {

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "hub-stall-watchdog");
        t.setDaemon(true);
        return t;
    });
    private final HubHttp http;

    Transfer(HubHttp http) {
        this.http = http;
    }

    /**
     * Fills {@code incomplete} with the file at {@code location}.
     *
     * @param size expected size, or -1 when unknown
     * @param etag the file's ETag (a sha256 for LFS files, then verified)
     */
    void fetch(URI location, Path incomplete, long size, String etag, String what) throws IOException {
        int failures = 0;
        while (true) {
            long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
            if (size >= 0 && have > size) {
                Files.write(incomplete, new byte[0]); // longer than the file: not a prefix of it, start over
                have = 0;
            }
            if (size >= 0 && have == size) { // complete (an earlier run stopped before the rename), or empty
                if (!Files.exists(incomplete)) {
                    Files.createFile(incomplete);
                }
                break;
            }
            Attempt a = attempt(location, incomplete, have, size, what);
            if (a.complete()) {
                break;
            }
            failures = a.progressed() ? 1 : failures + 1;
            if (failures > http.settings().retries()) {
                throw new HubException(HubException.Reason.NETWORK, "download of " + what + " failed after "
                        + (http.settings().retries() + 1) + " attempts without progress (" + a.reason() + "); run again to resume from "
                        + Files.size(incomplete) + " bytes");
            }
            http.backoff(failures);
        }
        verify(incomplete, size, etag, what);
    }

    private record Attempt(boolean complete, boolean progressed, String reason) {
    }

    private Attempt attempt(URI location, Path incomplete, long have, long size, String what) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept-Encoding", "identity");
        if (have > 0) {
            headers.put("Range", "bytes=" + have + "-");
        }
        HttpResponse<InputStream> r;
        URI at = location;
        try {
            int hop = 0;
            while (true) {
                r = http.sendOnce(at, headers, HttpResponse.BodyHandlers.ofInputStream());
                String loc = r.headers().firstValue("Location").orElse(null);
                if (r.statusCode() / 100 == 3 && loc != null && hop++ < HubHttp.MAX_REDIRECTS) {
                    HubHttp.discard(r);
                    at = at.resolve(loc); // the token goes only to the Hub's origin (HubHttp.request)
                    continue;
                }
                break;
            }
        } catch (IOException e) {
            return new Attempt(false, false, HubHttp.describe(e));
        }
        int s = r.statusCode();
        if (s == 416 && size >= 0 && have == size) {
            HubHttp.discard(r);
            return new Attempt(true, false, "");
        }
        boolean append;
        if (s == 206) {
            Matcher m = CONTENT_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
            append = m.matches() && Long.parseLong(m.group(1)) == have;
            if (!append) {
                HubHttp.discard(r);
                Files.write(incomplete, new byte[0]);
                return new Attempt(false, false, "the server answered a different range");
            }
        } else if (s == 200) {
            append = false; // the server ignored Range: the body is the whole file
        } else if (s >= 500 || s == 429 || s == 416) {
            HubHttp.discard(r);
            if (s == 416) {
                Files.write(incomplete, new byte[0]);
            }
            return new Attempt(false, false, "HTTP " + s);
        } else {
            HubHttp.discard(r);
            throw new HubException(HubException.Reason.NETWORK, "download of " + what + " answered HTTP " + s);
        }
        return copy(r.body(), incomplete, append, append ? have : 0, size, what);
    }

    private Attempt copy(InputStream body, Path incomplete, boolean append, long start, long size, String what) throws IOException {
        AtomicLong lastByte = new AtomicLong(System.nanoTime());
        AtomicBoolean stalled = new AtomicBoolean();
        long timeoutNanos = http.settings().timeout().toNanos();
        ScheduledFuture<?> watch = WATCHDOG.scheduleAtFixedRate(() -> {
            if (System.nanoTime() - lastByte.get() > timeoutNanos && stalled.compareAndSet(false, true)) {
                try {
                    body.close(); // unblocks the reading thread
                } catch (IOException ignored) {
                    // closing is all we can do
                }
            }
        }, 200, 200, TimeUnit.MILLISECONDS);
        long done = start;
        Progress bar = Progress.start(http.settings().progress(), what, size);
        String reason = "";
        try (InputStream in = body;
             OutputStream out = Files.newOutputStream(incomplete, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (stalled.get()) {
                    break;
                }
                out.write(buf, 0, n);
                done += n;
                lastByte.set(System.nanoTime());
                bar.update(done);
                if (size >= 0 && done > size) {
                    reason = "more bytes than the announced " + size;
                    break;
                }
            }
        } catch (IOException e) {
            reason = stalled.get() ? "no data for " + http.settings().timeout().toSeconds() + " s" : HubHttp.describe(e);
        } finally {
            watch.cancel(false);
        }
        if (stalled.get() && reason.isEmpty()) {
            reason = "no data for " + http.settings().timeout().toSeconds() + " s";
        }
        boolean progressed = done > start;
        if (reason.isEmpty() && (size < 0 || done == size)) {
            bar.finish(done);
            return new Attempt(true, progressed, "");
        }
        if (reason.isEmpty()) {
            reason = "connection closed after " + done + " of " + size + " bytes";
        }
        if (size >= 0 && done > size) {
            Files.write(incomplete, new byte[0]);
        }
        return new Attempt(false, progressed, reason);
    }

    private static void verify(Path file, long size, String etag, String what) throws IOException {
        long actual = Files.size(file);
        if (size >= 0 && actual != size) {
            throw new HubException(HubException.Reason.INTEGRITY, what + ": downloaded " + actual + " bytes, the Hub announced " + size);
        }
        if (SHA256.matcher(etag).matches()) {
            String got = sha256(file);
            if (!got.equals(etag)) {
                Files.delete(file); // our own partial download: useless now, a retry must start over
                throw new HubException(HubException.Reason.INTEGRITY, what + ": sha256 " + got + " does not match the Hub's " + etag
                        + "; the partial file was removed, run again to download it afresh");
            }
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
