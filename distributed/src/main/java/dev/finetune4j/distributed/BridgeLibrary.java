package dev.finetune4j.distributed;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Finds the compiled c10d bridge: the one the build put in the jar (when the build host had g++), else one compiled
 * from the bridge's source (also in the jar) into the user cache on first use. The cache folder is keyed by the
 * source's hash, so a changed bridge never loads a stale library. See docs/distributed.md.
 */
final class BridgeLibrary {
    static final String RESOURCE_DIR = "/dev/finetune4j/distributed/native/";
    static final String SOURCE = "c10d_bridge.cpp";
    static final String PREBUILT = "libft4j_c10d-linux-x86_64.so";
    private static final long COMPILE_TIMEOUT_S = 300;

    private BridgeLibrary() {
    }

    /** The bridge library for this host, extracted or compiled into the cache when needed. */
    static Path locate() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new C10dException("distributed training runs on Linux x86-64 only; this JVM runs on " + os + " "
                    + arch);
        }
        byte[] source = resource(SOURCE);
        if (source == null) {
            throw new C10dException("the c10d bridge source " + RESOURCE_DIR + SOURCE + " is missing from the class "
                    + "path (a broken build of finetune4j-distributed)");
        }
        Path dir = cacheRoot().resolve("c10d").resolve(sha256(source).substring(0, 16));
        Path lib = dir.resolve("libft4j_c10d.so");
        if (Files.isRegularFile(lib)) {
            return lib;
        }
        try {
            Files.createDirectories(dir);
            byte[] prebuilt = resource(PREBUILT);
            Path tmp = Files.createTempFile(dir, "libft4j_c10d", ".tmp");
            try {
                if (prebuilt != null) {
                    Files.write(tmp, prebuilt);
                } else {
                    Path src = dir.resolve(SOURCE);
                    Files.write(src, source);
                    compile(src, tmp);
                }
                Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return lib;
        } catch (IOException e) {
            throw new C10dException("cannot prepare the c10d bridge in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** {@code FINETUNE4J_CACHE_DIR}, else {@code $XDG_CACHE_HOME/finetune4j}, else {@code ~/.cache/finetune4j}. */
    static Path cacheRoot() {
        String own = System.getenv("FINETUNE4J_CACHE_DIR");
        if (own != null && !own.isBlank()) {
            return Path.of(own);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "finetune4j");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "finetune4j");
    }

    /** The C++ compiler: {@code $CXX}, else {@code g++} on the PATH; null when there is none. */
    static Path compiler() {
        String cxx = System.getenv("CXX");
        String name = cxx == null || cxx.isBlank() ? "g++" : cxx.trim();
        Path direct = Path.of(name);
        if (direct.isAbsolute()) {
            return Files.isExecutable(direct) ? direct : null;
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static void compile(Path source, Path out) throws IOException {
        Path cxx = compiler();
        if (cxx == null) {
            throw new C10dException("distributed training needs the c10d bridge, which is compiled from its source on "
                    + "first use, but no C++ compiler was found (looked for " + (System.getenv("CXX") != null
                    ? "$CXX=" + System.getenv("CXX") : "g++ on the PATH") + "). Install g++ (Debian/Ubuntu: "
                    + "apt-get install g++) or set CXX, or use a finetune4j jar built on a host with g++");
        }
        Path javaHome = Path.of(System.getProperty("java.home"));
        Path include = javaHome.resolve("include");
        if (!Files.isRegularFile(include.resolve("jni.h"))) {
            throw new C10dException("compiling the c10d bridge needs the JDK's JNI headers, but " + include.resolve(
                    "jni.h") + " does not exist: run finetune4j with a full JDK 17 (not a JRE)");
        }
        List<String> cmd = new ArrayList<>(List.of(cxx.toString(), "-std=c++17", "-O2", "-fPIC", "-shared",
                "-I" + include, "-I" + include.resolve("linux"), "-o", out.toString(), source.toString(), "-ldl"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] log;
        try (InputStream in = p.getInputStream()) {
            log = in.readNBytes(64 * 1024);
            if (!p.waitFor(COMPILE_TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new C10dException("compiling the c10d bridge with " + cxx + " took over " + COMPILE_TIMEOUT_S
                        + " s; gave up");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new C10dException("interrupted while compiling the c10d bridge", e);
        }
        if (p.exitValue() != 0) {
            throw new C10dException("compiling the c10d bridge failed (" + String.join(" ", cmd) + "):\n"
                    + new String(log, StandardCharsets.UTF_8).strip());
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = BridgeLibrary.class.getResourceAsStream(RESOURCE_DIR + name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
