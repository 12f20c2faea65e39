package dev.finetune4j.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubClientTest {

    static final String C1 = "1111111111111111111111111111111111111111";
    static final String C2 = "2222222222222222222222222222222222222222";
    FakeHub hub;
    @TempDir
    Path cache;
    final byte[] weights = bytes(200_000, 1);

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub();
        hub.add(RepoType.MODEL, "org/tiny", C1)
                .file("config.json", utf8("{\"model_type\":\"llama\"}"), false)
                .file("generation_config.json", utf8("{}"), false)
                .file("tokenizer.json", utf8("{\"model\":{}}"), false)
                .file("model.safetensors", weights, true)
                .file("original/consolidated.00.pth", bytes(1000, 2), true)
                .file("model.gguf", bytes(1000, 3), true)
                .file("README.md", utf8("# tiny"), false);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    HubClient client(boolean token) {
        return new HubClient(hub.settings(cache, token), ms -> { });
    }

    @Test
    void modelFetchBuildsTheHuggingfaceHubCacheLayout() throws Exception {
        Path snap = client(true).model(RepoRef.parse(RepoType.MODEL, "org/tiny"));

        Path repo = cache.resolve("models--org--tiny");
        assertEquals(repo.resolve("snapshots").resolve(C1), snap.toAbsolutePath());
        assertEquals(C1, Files.readString(repo.resolve("refs/main")), "refs/main holds the bare commit sha");
        try (Stream<Path> s = Files.list(snap)) {
            assertEquals(List.of("config.json", "generation_config.json", "model.safetensors", "tokenizer.json"),
                    s.map(p -> p.getFileName().toString()).sorted().toList(), "only what a run needs");
        }
        String sha = FakeHub.hex("SHA-256", weights);
        Path link = snap.resolve("model.safetensors");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(Path.of("../../blobs/" + sha), Files.readSymbolicLink(link), "relative link into blobs");
        assertArrayEquals(weights, Files.readAllBytes(link));
        String gitSha = new FakeHub.Entry(utf8("{\"model_type\":\"llama\"}"), false).gitSha1();
        assertEquals(Path.of("../../blobs/" + gitSha), Files.readSymbolicLink(snap.resolve("config.json")));
        try (Stream<Path> s = Files.list(repo.resolve("blobs"))) {
            assertFalse(s.anyMatch(p -> p.toString().endsWith(".incomplete")));
        }
        assertTrue(Files.exists(cache.resolve(".locks/models--org--tiny/" + sha + ".lock")));
        assertTrue(hub.hubAuthorization.stream().allMatch(a -> a.equals("Bearer " + FakeHub.TOKEN)), "the Hub gets the token");
        assertEquals(List.of("null"), hub.cdnAuthorization, "the CDN (another origin) never sees the token");
    }

    @Test
    void aDroppedConnectionIsResumedWithRange() throws Exception {
        hub.dropOnce.add(FakeHub.hex("SHA-256", weights));
        Path p = client(false).download(RepoRef.parse(RepoType.MODEL, "org/tiny"), "model.safetensors");
        assertArrayEquals(weights, Files.readAllBytes(p));
        assertEquals(2, hub.cdnGets.get());
        assertEquals("null", hub.cdnRanges.get(0));
        assertEquals("bytes=" + (weights.length / 3 / 8192 * 8192 + Math.min(8192, weights.length / 3 % 8192 == 0 ? 0 : weights.length / 3 % 8192)) + "-",
                hub.cdnRanges.get(1), "resumes where the dropped transfer stopped");
    }

    @Test
    void anIncompleteFileOfAnEarlierProcessIsResumed() throws Exception {
        String sha = FakeHub.hex("SHA-256", weights);
        Path blobs = Files.createDirectories(cache.resolve("models--org--tiny/blobs"));
        Files.write(blobs.resolve(sha + ".incomplete"), java.util.Arrays.copyOf(weights, 12345));
        Path p = client(false).download(RepoRef.parse(RepoType.MODEL, "org/tiny"), "model.safetensors");
        assertArrayEquals(weights, Files.readAllBytes(p));
        assertEquals(List.of("bytes=12345-"), hub.cdnRanges);
        assertFalse(Files.exists(blobs.resolve(sha + ".incomplete")));
    }

    @Test
    void aStalledTransferIsCutAfterTheTimeoutAndResumed() throws Exception {
        hub.stallOnce.add(FakeHub.hex("SHA-256", weights));
        hub.stallMillis = 4000;
        long t0 = System.nanoTime();
        Path p = client(false).download(RepoRef.parse(RepoType.MODEL, "org/tiny"), "model.safetensors");
        assertArrayEquals(weights, Files.readAllBytes(p));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(4), "cut by the 1 s stall timeout, not by the server");
        assertEquals(2, hub.cdnGets.get());
    }

    @Test
    void anLfsFileThatDoesNotMatchItsSha256IsRejected() {
        hub.corrupt.add(FakeHub.hex("SHA-256", weights));
        HubException e = assertThrows(HubException.class,
                () -> client(false).download(RepoRef.parse(RepoType.MODEL, "org/tiny"), "model.safetensors"));
        assertEquals(HubException.Reason.INTEGRITY, e.reason());
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
        assertFalse(Files.exists(cache.resolve("models--org--tiny/blobs/" + FakeHub.hex("SHA-256", weights))));
    }

    @Test
    void errorCodesBecomeOneClearLine() {
        hub.add(RepoType.MODEL, "meta/gated", C2).file("config.json", utf8("{}"), false).gated = true;
        HubClient anonymous = client(false);
        HubException gated = assertThrows(HubException.class, () -> anonymous.model(RepoRef.parse(RepoType.MODEL, "meta/gated")));
        assertEquals(HubException.Reason.GATED, gated.reason());
        assertTrue(gated.getMessage().contains("accept its licence on " + hub.endpoint() + "/meta/gated"), gated.getMessage());
        assertTrue(gated.getMessage().contains("set HF_TOKEN"), gated.getMessage());
        assertFalse(gated.getMessage().contains("\n"));

        HubException missingRepo = assertThrows(HubException.class, () -> anonymous.model(RepoRef.parse(RepoType.MODEL, "org/nope")));
        assertEquals(HubException.Reason.REPO_NOT_FOUND, missingRepo.reason());
        assertTrue(missingRepo.getMessage().startsWith("model repository org/nope not found: check the name"), missingRepo.getMessage());

        HubException missingRev = assertThrows(HubException.class, () -> anonymous.model(RepoRef.parse(RepoType.MODEL, "org/tiny@v9")));
        assertEquals(HubException.Reason.REVISION_NOT_FOUND, missingRev.reason());
        assertTrue(missingRev.getMessage().contains("revision 'v9' not found in org/tiny"), missingRev.getMessage());

        HubException missingFile = assertThrows(HubException.class,
                () -> anonymous.download(RepoRef.parse(RepoType.MODEL, "org/tiny"), "nope.json"));
        assertEquals(HubException.Reason.ENTRY_NOT_FOUND, missingFile.reason());
        assertTrue(missingFile.getMessage().contains("file 'nope.json' not found in org/tiny"), missingFile.getMessage());

        Path snap = client(true).model(RepoRef.parse(RepoType.MODEL, "meta/gated"));
        assertTrue(Files.exists(snap.resolve("config.json")), "with the token the gated repo downloads");
    }

    @Test
    void serverErrorsAreRetriedABoundedNumberOfTimes() {
        List<Long> waits = new ArrayList<>();
        HubClient c = new HubClient(hub.settings(cache, false), waits::add);
        RepoRef tiny = RepoRef.parse(RepoType.MODEL, "org/tiny");
        hub.apiFailures.set(2);
        assertEquals(C1, c.revision(tiny).commit());
        assertEquals(List.of(500L, 1000L), waits, "exponential backoff");
        hub.apiFailures.set(100);
        int before = hub.apiCalls.get();
        HubException e = assertThrows(HubException.class, () -> c.revision(tiny));
        assertEquals(HubException.Reason.NETWORK, e.reason());
        assertEquals(4, hub.apiCalls.get() - before, "1 attempt + 3 retries");
        assertEquals("the Hub answered HTTP 503 for org/tiny on every retry; try again later (Hub: overloaded)", e.getMessage());
    }

    @Test
    void offlineModeAnswersFromTheCacheOnly() throws Exception {
        RepoRef tiny = RepoRef.parse(RepoType.MODEL, "org/tiny");
        Path online = client(false).model(tiny);
        int calls = hub.apiCalls.get();
        hub.close(); // nothing may be asked now
        HubClient offline = new HubClient(hub.settings(cache, false).withOffline(true), ms -> { });
        assertEquals(online, offline.model(tiny));
        assertEquals(online.resolve("config.json"), offline.download(tiny, "config.json"));
        HubException notCached = assertThrows(HubException.class, () -> offline.download(tiny, "README.md"));
        assertEquals(HubException.Reason.NOT_CACHED, notCached.reason());
        assertTrue(notCached.getMessage().startsWith("HF_HUB_OFFLINE is set and 'README.md' of org/tiny is not in the cache"),
                notCached.getMessage());
        HubException noSnapshot = assertThrows(HubException.class, () -> offline.model(RepoRef.parse(RepoType.MODEL, "org/other")));
        assertEquals(HubException.Reason.NOT_CACHED, noSnapshot.reason());
        assertEquals(calls, hub.apiCalls.get());
    }

    @Test
    void twoConcurrentDownloadsOfOneFileMakeOneBlob() throws Exception {
        hub.cdnChunkDelayMillis = 3;
        RepoRef tiny = RepoRef.parse(RepoType.MODEL, "org/tiny");
        HubClient a = client(false);
        HubClient b = client(false);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (HubClient c : List.of(a, b)) {
                Callable<Path> task = () -> {
                    go.await();
                    return c.download(tiny, "model.safetensors");
                };
                results.add(pool.submit(task));
            }
            go.countDown();
            Path p1 = results.get(0).get(30, TimeUnit.SECONDS);
            Path p2 = results.get(1).get(30, TimeUnit.SECONDS);
            assertEquals(p1, p2);
            assertArrayEquals(weights, Files.readAllBytes(p1));
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, hub.cdnGets.get(), "the second waits on the lock and finds the blob");
        try (Stream<Path> s = Files.list(cache.resolve("models--org--tiny/blobs"))) {
            assertEquals(List.of(FakeHub.hex("SHA-256", weights)), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void hfPathsOfDatasetsResolveToAFileOrAFolder() throws Exception {
        FakeHub.Repo data = hub.add(RepoType.DATASET, "org/chats", C1)
                .file("README.md", utf8("# data"), false)
                .file("data/train-00000.jsonl", utf8("{\"a\":1}\n"), true)
                .file("data/train-00001.jsonl", utf8("{\"a\":2}\n"), false)
                .file("data/test.jsonl", utf8("{\"a\":3}\n"), false);
        data.refs.put("v1", C1);
        HubClient c = client(false);
        Path file = c.resolve(HfUri.parse("hf://datasets/org/chats@v1/data/test.jsonl"));
        assertEquals("{\"a\":3}\n", Files.readString(file));
        assertEquals(Path.of("../../../blobs/" + new FakeHub.Entry(utf8("{\"a\":3}\n"), false).gitSha1()), Files.readSymbolicLink(file));
        assertEquals(C1, Files.readString(cache.resolve("datasets--org--chats/refs/v1")));
        Path folder = c.resolve(HfUri.parse("hf://datasets/org/chats/data"));
        try (Stream<Path> s = Files.list(folder)) {
            assertEquals(3, s.count());
        }
        assertFalse(Files.exists(folder.getParent().resolve("README.md")), "only the named folder is fetched");
        HubException missing = assertThrows(HubException.class, () -> c.resolve(HfUri.parse("hf://datasets/org/chats/dat")));
        assertEquals(HubException.Reason.ENTRY_NOT_FOUND, missing.reason());
        assertTrue(missing.getMessage().startsWith("dataset org/chats holds no file or folder 'dat' (it holds 4 files, e.g. README.md,"),
                missing.getMessage());
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
