package dev.finetune4j.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Where the Hub is, who we are and where the cache lives, read from the same environment variables
 * huggingface_hub reads (docs/hub.md "Environment").
 *
 * @param endpoint       {@code HF_ENDPOINT}, default {@code https://huggingface.co}
 * @param token          {@code HF_TOKEN}, else the file {@code HF_TOKEN_PATH} (default {@code HF_HOME/token})
 * @param cacheDir       {@code HF_HUB_CACHE} (or the older {@code HUGGINGFACE_HUB_CACHE}), default {@code HF_HOME/hub}
 * @param offline        {@code HF_HUB_OFFLINE=1}: answer from the cache only
 * @param timeout        connect / metadata / stalled-transfer timeout ({@code HF_HUB_DOWNLOAD_TIMEOUT}, default 10 s)
 * @param retries        attempts after the first for network failures and 5xx/429 answers
 * @param progress       print a progress bar per file (default: when a terminal is attached)
 */
public record HubSettings(URI endpoint, Optional<String> token, Path cacheDir, boolean offline, Duration timeout,
                          int retries, boolean progress) {

    /** The public Hub. */
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    public HubSettings {
        String e = endpoint.toString();
        if (e.endsWith("/")) {
            endpoint = URI.create(e.substring(0, e.length() - 1));
        }
        if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme())) {
            throw new IllegalArgumentException("HF_ENDPOINT must be an http(s) URL, found '" + e + "'");
        }
        token = token.map(String::strip).filter(t -> !t.isEmpty());
    }

    /** The settings of this process's environment. */
    public static HubSettings fromEnvironment() {
        return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** The settings for a given environment and home folder (testable). */
    public static HubSettings fromEnvironment(Map<String, String> env, Path home) {
        Path xdgCache = nonEmpty(env.get("XDG_CACHE_HOME")).map(Path::of).orElse(home.resolve(".cache"));
        Path hfHome = nonEmpty(env.get("HF_HOME")).map(p -> expand(p, home)).orElse(xdgCache.resolve("huggingface"));
        Path cache = nonEmpty(env.get("HF_HUB_CACHE")).or(() -> nonEmpty(env.get("HUGGINGFACE_HUB_CACHE")))
                .map(p -> expand(p, home)).orElse(hfHome.resolve("hub"));
        Path tokenPath = nonEmpty(env.get("HF_TOKEN_PATH")).map(p -> expand(p, home)).orElse(hfHome.resolve("token"));
        Optional<String> token = nonEmpty(env.get("HF_TOKEN")).or(() -> readToken(tokenPath));
        URI endpoint = URI.create(nonEmpty(env.get("HF_ENDPOINT")).orElse(DEFAULT_ENDPOINT));
        boolean offline = truthy(env.get("HF_HUB_OFFLINE"));
        Duration timeout = Duration.ofSeconds(nonEmpty(env.get("HF_HUB_DOWNLOAD_TIMEOUT")).map(HubSettings::seconds).orElse(10L));
        return new HubSettings(endpoint, token, cache, offline, timeout, 5, System.console() != null);
    }

    /** A copy with another cache folder. */
    public HubSettings withCacheDir(Path dir) {
        return new HubSettings(endpoint, token, dir, offline, timeout, retries, progress);
    }

    /** A copy in (or out of) offline mode. */
    public HubSettings withOffline(boolean off) {
        return new HubSettings(endpoint, token, cacheDir, off, timeout, retries, progress);
    }

    private static long seconds(String s) {
        try {
            long v = Math.round(Double.parseDouble(s));
            if (v < 1 || v > 3600) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("HF_HUB_DOWNLOAD_TIMEOUT must be seconds between 1 and 3600, found '" + s + "'");
        }
    }

    private static boolean truthy(String v) {
        return v != null && switch (v.strip().toUpperCase(Locale.ROOT)) {
            case "1", "ON", "YES", "TRUE" -> true;
            default -> false;
        };
    }

    private static Optional<String> nonEmpty(String v) {
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
    }

    private static Path expand(String p, Path home) {
        return p.equals("~") ? home : p.startsWith("~/") ? home.resolve(p.substring(2)) : Path.of(p);
    }

    private static Optional<String> readToken(Path file) {
        try {
            if (!Files.isRegularFile(file) || Files.size(file) > 4096) {
                return Optional.empty();
            }
            return nonEmpty(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
