package dev.finetune4j.testkit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The external conformance suites (real tokenizers, chat templates, torch files with expected outputs), kept outside
 * the repository in {@code ../shared/conformance} beside the checkout. The folder comes from the environment variable
 * {@code FINETUNE4J_CONFORMANCE}, else the system property {@code conformance.dir} (set by the root pom), else
 * {@code ../../shared/conformance} from the module folder. When it is absent the calling test is skipped with one
 * printed line; with {@code CI=true} it fails instead, so CI cannot go green with the suites silently skipped.
 */
public final class Conformance {
    /** Environment variable that overrides where the suites are. */
    public static final String ENV = "FINETUNE4J_CONFORMANCE";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Conformance() {
    }

    /** The conformance folder itself. */
    public static Path dir() {
        return path("");
    }

    /** {@code relative} inside the conformance folder; skips (fails under {@code CI=true}) when it does not exist. */
    public static Path path(String relative) {
        Path root = root();
        Path p = relative.isEmpty() ? root : root.resolve(relative);
        if (Files.exists(p)) {
            return p;
        }
        String reason = caller() + ": conformance suite " + (relative.isEmpty() ? "folder" : "'" + relative + "'")
                + " not found at " + p + " (clone the suites to ../shared/conformance or set " + ENV + ")";
        if ("true".equals(System.getenv("CI") == null ? null : System.getenv("CI").toLowerCase(Locale.ROOT))) {
            fail("CI=true but " + reason);
        }
        System.out.println("SKIP " + reason);
        return abort(reason);
    }

    /** Where the suites are expected (whether or not they exist). */
    public static Path root() {
        String env = System.getenv(ENV);
        String dir = env != null && !env.isBlank() ? env
                : System.getProperty("conformance.dir", Path.of("..", "..", "shared", "conformance").toString());
        return Path.of(dir).toAbsolutePath().normalize();
    }

    /** The checkpoints suite folder. */
    public static Path checkpoints() {
        return path("checkpoints");
    }

    /** The test class and method that asked (the outermost project frame), for the skip line. */
    private static String caller() {
        return StackWalker.getInstance().walk(frames -> frames
                .filter(f -> !f.getClassName().equals(Conformance.class.getName()))
                .filter(f -> f.getClassName().startsWith("dev.finetune4j.") && !f.getMethodName().startsWith("lambda$"))
                .reduce((inner, outer) -> outer)
                .map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "." + f.getMethodName())
                .orElse("test"));
    }

    public static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ObjectMapper mapper() {
        return JSON;
    }
}
