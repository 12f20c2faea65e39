package dev.finetune4j.hub;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Objects;

/**
 * HTTP to the Hub: the bearer token only to the Hub's own origin, bounded retries with backoff for network errors
 * and 5xx/429 answers, redirects followed by hand (relative ones always; other origins only for downloads, without
 * the token), one timeout for connecting and for the response headers.
 */
final class HubHttp {

    static final int MAX_REDIRECTS = 5;
    private static final String USER_AGENT = "finetune4j-hub/0.1 (java.net.http)";
    private final HubSettings settings;
    private final HttpClient client;
    private final Sleeper sleeper;

    /** Waits between retries (tests pass a short one). */
    interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    HubHttp(HubSettings settings, Sleeper sleeper) {
        this.settings = settings;
        this.sleeper = sleeper;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.timeout())
                .build();
    }

    HubSettings settings() {
        return settings;
    }

    /** Whether {@code uri} is on the Hub's origin (scheme, host and port), so it may see the token. */
    boolean sameOrigin(URI uri) {
        URI e = settings.endpoint();
        return Objects.equals(e.getScheme(), uri.getScheme()) && e.getHost() != null
                && e.getHost().equalsIgnoreCase(uri.getHost()) && port(e) == port(uri);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
    }

    /**
     * Sends one request with retries; 3xx answers are followed when relative (same origin) or when
     * {@code followAll}; the final answer is returned whatever its status.
     */
    <T> HttpResponse<T> send(String method, URI uri, Map<String, String> headers, HttpResponse.BodyHandler<T> body,
                             boolean followAll, String what) {
        URI at = uri;
        for (int hop = 0; ; hop++) {
            HttpResponse<T> r = sendWithRetries(method, at, headers, body, what);
            int s = r.statusCode();
            boolean redirect = s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
            String location = r.headers().firstValue("Location").orElse(null);
            if (!redirect || location == null) {
                return r;
            }
            URI next = at.resolve(location);
            if (!followAll && !sameOrigin(next)) {
                return r;
            }
            if (hop >= MAX_REDIRECTS) {
                throw new HubException(HubException.Reason.NETWORK, "too many redirects (" + MAX_REDIRECTS + ") for " + what);
            }
            discard(r);
            at = next;
        }
    }

    private <T> HttpResponse<T> sendWithRetries(String method, URI uri, Map<String, String> headers,
                                                HttpResponse.BodyHandler<T> body, String what) {
        IOException last = null;
        int lastStatus = 0;
        for (int attempt = 0; attempt <= settings.retries(); attempt++) {
            if (attempt > 0) {
                backoff(attempt);
            }
            try {
                HttpResponse<T> r = client.send(request(method, uri, headers), body);
                int s = r.statusCode();
                if ((s >= 500 || s == 429) && attempt < settings.retries()) {
                    lastStatus = s;
                    discard(r);
                    continue;
                }
                return r;
            } catch (IOException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HubException(HubException.Reason.NETWORK, "interrupted while fetching " + what, e);
            }
        }
        String cause = last != null ? describe(last) : "HTTP " + lastStatus;
        throw new HubException(HubException.Reason.NETWORK, "cannot reach " + settings.endpoint() + " for " + what + " after "
                + (settings.retries() + 1) + " attempts (" + cause + "); check the network or HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use the cache", last);
    }

    /** One request, no retries (downloads retry themselves, resuming where they stopped). */
    <T> HttpResponse<T> sendOnce(URI uri, Map<String, String> headers, HttpResponse.BodyHandler<T> body) throws IOException {
        try {
            return client.send(request("GET", uri, headers), body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    HttpRequest request(String method, URI uri, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(settings.timeout())
                .method(method, HttpRequest.BodyPublishers.noBody())
                .header("User-Agent", USER_AGENT);
        headers.forEach(b::header);
        if (sameOrigin(uri)) {
            settings.token().ifPresent(t -> b.header("Authorization", "Bearer " + t));
        }
        return b.build();
    }

    void backoff(int attempt) {
        long ms = Math.min(8000L, 500L << Math.min(attempt - 1, 4));
        try {
            sleeper.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException(HubException.Reason.NETWORK, "interrupted while waiting to retry", e);
        }
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    static void discard(HttpResponse<?> r) {
        if (r.body() instanceof java.io.InputStream in) {
            try {
                in.close();
            } catch (IOException ignored) {
                // nothing to release beyond the connection
            }
        }
    }

    /** Seconds-based sleeper for production. */
    static final Sleeper REAL_SLEEP = Thread::sleep;
}
