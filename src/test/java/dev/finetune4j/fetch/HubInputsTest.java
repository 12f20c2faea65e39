package dev.finetune4j.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.config.ConfigException;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.hub.HubClient;
import dev.finetune4j.hub.HubException;
import dev.finetune4j.hub.HubSettings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hub references in a configuration and on the command line resolve to local cache paths before anything reads
 * them; a local path wins. The cache is laid out here by hand (as huggingface_hub lays it out) and the client runs
 * offline, so no server is involved (the protocol itself is tested in the hub module).
 */
class HubInputsTest {

    static final String SHA = "0123456789abcdef0123456789abcdef01234567";
    @TempDir
    Path dir;

    private Path cache() {
        return dir.resolve("hf-cache");
    }

    private Supplier<HubClient> offline() {
        HubSettings s = new HubSettings(URI.create("http://127.0.0.1:9"), Optional.empty(), cache(), true, Duration.ofSeconds(1), 0, false);
        return () -> new HubClient(s);
    }

    /** Writes a cached snapshot: blobs, relative links, refs/main. */
    private Path cached(String repoFolder, Map<String, String> files) throws Exception {
        Path repo = Files.createDirectories(cache().resolve(repoFolder));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), SHA);
        Path snap = repo.resolve("snapshots/" + SHA);
        int i = 0;
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path blob = Files.createDirectories(repo.resolve("blobs")).resolve("blob" + (i++) + "aaaaaaaa");
            Files.writeString(blob, f.getValue());
            Path link = snap.resolve(f.getKey());
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, link.getParent().relativize(blob));
        }
        return snap;
    }

    private RunConfig load(String yaml) throws Exception {
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, yaml);
        return RunConfig.load(cfg, List.of());
    }

    @Test
    void modelIdsAndHfDataPathsResolveToTheCache() throws Exception {
        Path model = cached("models--org--tiny", Map.of("config.json", "{}", "tokenizer.json", "{}"));
        Path data = cached("datasets--org--chats", Map.of("data/train.parquet", "x", "data/eval.parquet", "y"));
        RunConfig c = load("model: org/tiny\ntrain_data_path: hf://datasets/org/chats/data/train.parquet\n"
                + "eval_data_path: hf://datasets/org/chats/data\n");
        assertEquals(Map.of("model", "org/tiny", "train_data_path", "hf://datasets/org/chats/data/train.parquet",
                "eval_data_path", "hf://datasets/org/chats/data"), c.hubReferences(), "nothing is fetched at load time");
        RunConfig r = HubInputs.resolve(c, offline());
        assertEquals(model, r.model());
        assertEquals(data.resolve("data/train.parquet"), r.trainDataPath());
        assertEquals(data.resolve("data"), r.evalDataPath());
        assertTrue(r.hubReferences().isEmpty());
        r.requireInputsExist();
        assertTrue(r.toYaml().contains(model.toString()), "run.yaml records the snapshot (with its commit)");
    }

    @Test
    void aLocalPathWins() throws Exception {
        Files.createDirectories(dir.resolve("org/tiny"));
        Files.createDirectories(dir.resolve("d"));
        RunConfig c = load("model: org/tiny\ntrain_data_path: d\n");
        assertTrue(c.hubReferences().isEmpty());
        assertSame(c, HubInputs.resolve(c, () -> {
            throw new AssertionError("no Hub client for local paths");
        }));
        assertEquals(dir.resolve("org/tiny"), HubInputs.modelFolder(dir.resolve("org/tiny").toString(), false, () -> {
            throw new AssertionError("no Hub client for local paths");
        }));
    }

    @Test
    void aMissingReferenceNamesTheKeyAndWhatToDo() throws Exception {
        RunConfig c = load("model: org/absent@v2\ntrain_data_path: t.jsonl\n");
        ConfigException e = assertThrows(ConfigException.class, () -> HubInputs.resolve(c, offline()));
        assertTrue(e.getMessage().contains("model"), e.getMessage());
        assertTrue(e.getMessage().contains("HF_HUB_OFFLINE is set and org/absent@v2 has no snapshot in the cache"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        ConfigException bad = assertThrows(ConfigException.class, () -> load("model: m\ntrain_data_path: hf://datasets/org\n"));
        assertTrue(bad.getMessage().contains("train_data_path"), bad.getMessage());
    }

    @Test
    void cliModelAndTokenizerOptionsTakeHubIds() throws Exception {
        Path model = cached("models--org--tiny", Map.of("config.json", "{}"));
        assertEquals(model, HubInputs.modelFolder("org/tiny", true, offline()));
        assertEquals(model, HubInputs.modelFolder("hf://org/tiny", false, offline()));
        assertEquals(Path.of("./not/here"), HubInputs.modelFolder("./not/here", false, offline()), "paths are left to the command");
        HubException e = assertThrows(HubException.class, () -> HubInputs.modelFolder("org/other", false, offline()));
        assertTrue(e.getMessage().startsWith("'org/other' is not a local folder; as a Hub repository: HF_HUB_OFFLINE is set"), e.getMessage());
    }
}
