package dev.finetune4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubReferencesTest {

    @Test
    void repoRefsParseWithAndWithoutRevision() {
        RepoRef r = RepoRef.parse(RepoType.MODEL, "meta-llama/Llama-3.2-1B@refs/pr/1");
        assertEquals("meta-llama/Llama-3.2-1B", r.id());
        assertEquals("refs/pr/1", r.revision());
        assertEquals("main", RepoRef.parse(RepoType.MODEL, "org/name").revision());
        assertEquals("models--org--name", RepoRef.parse(RepoType.MODEL, "org/name").cacheFolderName());
        assertEquals("datasets--org--d", RepoRef.parse(RepoType.DATASET, "org/d").cacheFolderName());
        assertTrue(RepoRef.looksLikeRef("Qwen/Qwen2-0.5B@main"));
        assertFalse(RepoRef.looksLikeRef("./models/tiny"));
        assertFalse(RepoRef.looksLikeRef("/abs/path"));
        assertFalse(RepoRef.looksLikeRef("a/b/c"));
        assertFalse(RepoRef.looksLikeRef("../up"));
        assertThrows(IllegalArgumentException.class, () -> RepoRef.parse(RepoType.MODEL, "org/name@../../x"));
    }

    @Test
    void hfUrisNameARepoARevisionAndAPath() {
        HfUri u = HfUri.parse("hf://datasets/org/chats@v1.0/data/train.parquet");
        assertEquals(RepoType.DATASET, u.repo().type());
        assertEquals("org/chats", u.repo().id());
        assertEquals("v1.0", u.repo().revision());
        assertEquals("data/train.parquet", u.path());
        assertEquals("", HfUri.parse("hf://datasets/org/chats").path());
        assertEquals("refs/convert/parquet", HfUri.parse("hf://datasets/org/c@refs%2Fconvert%2Fparquet/x").repo().revision());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfUri.parse("hf://datasets/org/c/../../etc"));
        assertTrue(e.getMessage().contains("unsafe file name"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HfUri.parse("hf://spaces/org/app/x"));
    }

    @Test
    void settingsFollowHuggingfaceHubsEnvironmentVariables(@TempDir Path home) throws Exception {
        HubSettings d = HubSettings.fromEnvironment(Map.of(), home);
        assertEquals(home.resolve(".cache/huggingface/hub"), d.cacheDir());
        assertEquals("https://huggingface.co", d.endpoint().toString());
        assertFalse(d.offline());
        assertTrue(d.token().isEmpty());

        assertEquals(Path.of("/x/huggingface/hub"), HubSettings.fromEnvironment(Map.of("XDG_CACHE_HOME", "/x"), home).cacheDir());
        Path hfHome = Files.createDirectories(home.resolve("hf"));
        Files.writeString(hfHome.resolve("token"), "hf_from_file\n");
        HubSettings s = HubSettings.fromEnvironment(Map.of("HF_HOME", hfHome.toString(), "HF_HUB_OFFLINE", "1",
                "HF_ENDPOINT", "http://127.0.0.1:9/"), home);
        assertEquals(hfHome.resolve("hub"), s.cacheDir());
        assertEquals("hf_from_file", s.token().orElseThrow());
        assertTrue(s.offline());
        assertEquals("http://127.0.0.1:9", s.endpoint().toString());
        HubSettings t = HubSettings.fromEnvironment(Map.of("HF_HOME", hfHome.toString(), "HF_TOKEN", "hf_env",
                "HF_HUB_CACHE", "/c"), home);
        assertEquals("hf_env", t.token().orElseThrow(), "HF_TOKEN wins over the token file");
        assertEquals(Path.of("/c"), t.cacheDir());
    }

    @Test
    void aModelFetchTakesOnlyWhatARunNeeds() {
        List<String> files = List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                "special_tokens_map.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                "model.safetensors.index.json", "original/consolidated.00.pth", "original/tokenizer.model", "model.gguf",
                "pytorch_model.bin", "README.md", ".gitattributes", "onnx/model.onnx");
        Predicate<String> p = ModelFiles.forRun(files);
        assertEquals(List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                "special_tokens_map.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                "model.safetensors.index.json"), files.stream().filter(p).toList());
        List<String> binOnly = List.of("config.json", "pytorch_model-00001-of-00002.bin", "pytorch_model.bin.index.json", "x.pth");
        assertEquals(List.of("config.json", "pytorch_model-00001-of-00002.bin", "pytorch_model.bin.index.json"),
                binOnly.stream().filter(ModelFiles.forRun(binOnly)).toList(), ".bin only without safetensors");
    }

    @Test
    void theProgressLineShowsShareAndSizes() {
        Progress bar = Progress.start(false, "model-00001-of-00004.safetensors", 4L << 20);
        assertEquals("model-00001-of-00004.safetensors         [######                  ]  25% 1.0MiB/4.0MiB", bar.line(1L << 20));
        assertEquals("x.json                                      0.5MiB", Progress.start(false, "x.json", -1).line(1L << 19));
    }

    @Test
    void includeGlobsMatchLikeFnmatch() {
        Predicate<String> p = Globs.anyOf(List.of("*.json", "data/train-[0-9]*"));
        assertTrue(p.test("config.json"));
        assertTrue(p.test("sub/dir/x.json"), "* crosses folders as in fnmatch");
        assertTrue(p.test("data/train-00001.parquet"));
        assertFalse(p.test("data/test.parquet"));
        assertFalse(p.test("config.jsonl"));
    }
}
