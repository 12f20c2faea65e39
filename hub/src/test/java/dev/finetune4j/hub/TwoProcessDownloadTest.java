package dev.finetune4j.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two processes downloading the same file into one cache share one transfer through the lock file. */
class TwoProcessDownloadTest {

    @TempDir
    Path cache;

    @Test
    void twoProcessesMakeOneBlob() throws Exception {
        byte[] weights = HubClientTest.bytes(400_000, 7);
        try (FakeHub hub = new FakeHub()) {
            hub.add(RepoType.MODEL, "org/tiny", HubClientTest.C1).file("model.safetensors", weights, true);
            hub.cdnChunkDelayMillis = 20; // ~1 s per transfer: the second process starts while the first holds the lock
            List<Process> children = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                children.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", System.getProperty("java.class.path"), "-Xmx64m", "-XX:TieredStopAtLevel=1",
                        DownloadOnce.class.getName(), hub.endpoint().toString(), cache.toString(), "org/tiny", "model.safetensors")
                        .redirectErrorStream(true).start());
            }
            List<String> outputs = new ArrayList<>();
            for (Process p : children) {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("child did not finish");
                }
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                assertEquals(0, p.exitValue(), out);
                outputs.add(out.substring(out.lastIndexOf('\n') + 1)); // the path is the last line (after logger notes)
            }
            assertEquals(outputs.get(0), outputs.get(1));
            assertArrayEquals(weights, Files.readAllBytes(Path.of(outputs.get(0))));
            assertEquals(1, hub.cdnGets.get(), "one transfer for two processes");
            try (Stream<Path> s = Files.list(cache.resolve("models--org--tiny/blobs"))) {
                assertEquals(List.of(FakeHub.hex("SHA-256", weights)), s.map(p -> p.getFileName().toString()).toList());
            }
        }
    }
}
