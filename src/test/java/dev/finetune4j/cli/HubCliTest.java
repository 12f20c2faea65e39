package dev.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.hub.FakeHub;
import dev.finetune4j.hub.RepoType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI against a Hub stand-in on loopback: {@code download} prints the snapshot folder, {@code validate} reads a
 * model id and an {@code hf://} Parquet dataset. Child JVMs, because the Hub settings come from environment
 * variables (HF_ENDPOINT, HF_HUB_CACHE, HF_HUB_OFFLINE) that a running JVM cannot change.
 */
class HubCliTest {

    static final String COMMIT = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";
    static final Path QUICKSTART = Path.of("../examples/quickstart");
    @TempDir
    Path dir;
    FakeHub hub;

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub();
        FakeHub.Repo model = hub.add(RepoType.MODEL, "org/quickstart", COMMIT);
        for (String f : List.of("config.json", "generation_config.json", "tokenizer.json")) {
            model.file(f, Files.readAllBytes(QUICKSTART.resolve("model").resolve(f)), false);
        }
        model.file("original/consolidated.00.pth", new byte[64], true).file("README.md", new byte[3], false);
        Path parquet = dir.resolve("train.parquet");
        try (Connection c = new org.duckdb.DuckDBDriver().connect("jdbc:duckdb:", new Properties());
             Statement s = c.createStatement()) {
            s.execute("COPY (SELECT messages FROM read_json('" + QUICKSTART.resolve("data/train.jsonl").toAbsolutePath()
                    + "') LIMIT 64) TO '" + parquet + "' (FORMAT parquet)");
        }
        hub.add(RepoType.DATASET, "org/adds", COMMIT).file("data/train.parquet", Files.readAllBytes(parquet), true)
                .file("README.md", new byte[3], false);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private record Result(int code, String out, String err) {
    }

    private Result cli(Map<String, String> extraEnv, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dai.djl.offline=true", Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("HF_") || k.startsWith("HUGGINGFACE"));
        pb.environment().put("HF_ENDPOINT", hub.endpoint().toString());
        pb.environment().put("HF_HUB_CACHE", dir.resolve("cache").toString());
        pb.environment().put("HF_HOME", dir.resolve("hf-home").toString());
        pb.environment().put("OPT_OUT_TRACKING", "true");
        pb.environment().putAll(extraEnv);
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("CLI did not finish in 90 s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private static List<String> files(Path folder) throws IOException {
        try (Stream<Path> s = Files.walk(folder)) {
            return s.filter(p -> !Files.isDirectory(p)).map(p -> folder.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void downloadPrintsTheSnapshotAndValidateReadsHubInputs() throws Exception {
        Result d = cli(Map.of(), "download", "org/quickstart");
        assertEquals(0, d.code(), d.err());
        Path snap = dir.resolve("cache/models--org--quickstart/snapshots/" + COMMIT);
        assertEquals(snap.toString(), d.out().strip());
        assertEquals(List.of("config.json", "generation_config.json", "tokenizer.json"), files(snap), "only what a run needs");

        Result ds = cli(Map.of(), "download", "org/adds", "--repo-type", "dataset", "--include", "data/*");
        assertEquals(0, ds.code(), ds.err());
        assertEquals(List.of("data/train.parquet"), files(Path.of(ds.out().strip())));

        Files.writeString(dir.resolve("config.yaml"), "model: org/quickstart\n"
                + "train_data_path: hf://datasets/org/adds/data/train.parquet\ncontext_length: 128\n");
        Result v = cli(Map.of("HF_HUB_OFFLINE", "1"), "validate", "config.yaml");
        assertEquals(0, v.code(), v.out() + v.err());
        assertTrue(v.out().contains("64"), "64 examples from the Parquet file:\n" + v.out());
    }

    @Test
    void offlineWithoutACachedCopyIsOneErrorLine() throws Exception {
        Result r = cli(Map.of("HF_HUB_OFFLINE", "1"), "download", "org/quickstart");
        assertEquals(1, r.code());
        assertEquals("error: HF_HUB_OFFLINE is set and org/quickstart has no snapshot in the cache " + dir.resolve("cache")
                + "; run once with network access (e.g. finetune4j download org/quickstart)", r.err().strip());
        int calls = hub.apiCalls.get();
        Result gated = cli(Map.of(), "download", "org/nope");
        assertEquals(1, gated.code());
        assertTrue(gated.err().startsWith("error: model repository org/nope not found: check the name"), gated.err());
        assertFalse(gated.err().strip().contains("\n"), gated.err());
        assertEquals(calls + 1, hub.apiCalls.get());
    }
}
