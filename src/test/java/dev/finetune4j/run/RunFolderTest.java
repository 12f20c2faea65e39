package dev.finetune4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run folder claim: foreign and re-used folders are refused without a change, one lock holder at a time, a dead
 * holder's lock is taken over with a note, stale temporaries of the run's own names (and only those) are removed,
 * and a cancel request is seen by the holder.
 */
class RunFolderTest {
    @TempDir
    Path dir;

    @Test
    void aFolderWithForeignFilesIsRefusedAndLeftAlone() throws IOException {
        Path run = Files.createDirectories(dir.resolve("r"));
        Files.writeString(run.resolve("thesis.tex"), "my work");
        Map<String, String> before = snapshot(run);
        RunFolderException e = assertThrows(RunFolderException.class, () -> RunFolder.check(run, true));
        assertTrue(e.getMessage().contains("not a finetune4j run") && e.getMessage().contains("thesis.tex"),
                e.getMessage());
        assertEquals(before, snapshot(run));
    }

    @Test
    void anExistingRunWithoutAutoresumeIsRefusedNamingBothWaysOut() throws IOException {
        Path run = Files.createDirectories(dir.resolve("r"));
        Files.writeString(run.resolve("run.yaml"), "run_name: r\n");
        Files.writeString(run.resolve("metrics.jsonl"), "{\"step\":1,\"loss\":2.0}\n");
        Map<String, String> before = snapshot(run);
        RunFolderException e = assertThrows(RunFolderException.class, () -> RunFolder.check(run, false));
        assertTrue(e.getMessage().contains(run.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("autoresume: true") && e.getMessage().contains("another run_name"),
                e.getMessage());
        assertEquals(before, snapshot(run));
        RunFolder.check(run, true); // continuing it is allowed
        RunFolder.check(dir.resolve("fresh"), false); // a new name is created
        assertTrue(Files.isDirectory(dir.resolve("fresh")));
    }

    @Test
    void aSecondHolderIsRefusedWithTheHoldersPidAndHost() {
        Path run = dir.resolve("r");
        RunFolder.check(run, false);
        try (RunLock first = RunFolder.lock(run, "r", n -> { })) {
            RunFolderException e = assertThrows(RunFolderException.class, () -> RunFolder.lock(run, "r", n -> { }));
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
            assertTrue(e.getMessage().contains(RunLock.hostName()), e.getMessage());
            assertEquals("running", RunRecord.read(run).orElseThrow().effectiveStatus());
        }
        RunRecord after = RunRecord.read(run).orElseThrow();
        assertEquals("failed", after.status(), "a holder that never reported an end is recorded as failed");
        try (RunLock again = RunFolder.lock(run, "r", n -> { })) {
            assertEquals("running", again.record().status());
        }
    }

    @Test
    void aDeadProcesssLockIsTakenOverWithANote() throws Exception {
        Path run = Files.createDirectories(dir.resolve("r"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        long deadPid = p.pid();
        Instant t = Instant.now();
        RunRecord stale = new RunRecord("r", deadPid, null, RunLock.hostName(), t, t, "running", 7, 1.5,
                null, null, null);
        Files.writeString(run.resolve(RunLock.FILE_NAME), stale.toJson());
        assertEquals("failed", RunRecord.read(run).orElseThrow().effectiveStatus(), "dead pid on this host");
        List<String> notes = new ArrayList<>();
        try (RunLock lock = RunFolder.lock(run, "r", notes::add)) {
            assertEquals(1, notes.size(), notes.toString());
            assertTrue(notes.get(0).contains("stale lock") && notes.get(0).contains("pid " + deadPid), notes.get(0));
            assertEquals(7, lock.record().step(), "progress carries over");
        }
    }

    @Test
    void aFreshHeartbeatFromAnotherHostRefuses() throws IOException {
        Path run = Files.createDirectories(dir.resolve("r"));
        Instant t = Instant.now();
        Files.writeString(run.resolve(RunLock.FILE_NAME), new RunRecord("r", 1, null, "elsewhere.example", t, t,
                "running", 0, null, null, null, null).toJson());
        RunFolderException e = assertThrows(RunFolderException.class, () -> RunFolder.lock(run, "r", n -> { }));
        assertTrue(e.getMessage().contains("elsewhere.example"), e.getMessage());
        Instant old = t.minus(RunLock.STALE_AFTER).minusSeconds(5);
        Files.writeString(run.resolve(RunLock.FILE_NAME), new RunRecord("r", 1, null, "elsewhere.example", old, old,
                "running", 0, null, null, null, null).toJson());
        assertEquals("failed", RunRecord.read(run).orElseThrow().effectiveStatus(), "stale heartbeat");
        RunFolder.lock(run, "r", n -> { }).close();
    }

    @Test
    void onlyTheRunsOwnStaleTemporariesAreRemoved() throws IOException {
        Path run = Files.createDirectories(dir.resolve("r"));
        Files.writeString(run.resolve("run.yaml"), "run_name: r\n");
        Path ck = Files.createDirectories(run.resolve("checkpoints"));
        Path hf = Files.createDirectories(run.resolve("huggingface"));
        List<Path> ours = List.of(run.resolve(".run.yaml.123.tmp"), ck.resolve(".ep0-ba2-rank0.pt.8812.tmp"),
                ck.resolve(".latest-rank0.pt.tmp-42-77"));
        for (Path p : ours) {
            Files.writeString(p, "partial");
        }
        Files.createDirectories(hf.resolve(".ba3.tmp-991")).resolve("model.safetensors").toFile().createNewFile();
        List<Path> theirs = List.of(run.resolve("notes.txt"), run.resolve(".run.yaml.bak"), ck.resolve("mine.tmp"),
                ck.resolve(".ep0-ba2-rank0.pt.keep"), hf.resolve("ba3.tmp-1"), run.resolve(".hidden.tmp"));
        for (Path p : theirs) {
            Files.writeString(p, "user file");
        }
        List<String> notes = new ArrayList<>();
        RunFolder.lock(run, "r", notes::add).close();
        for (Path p : ours) {
            assertFalse(Files.exists(p), p + " should be removed");
        }
        assertFalse(Files.exists(hf.resolve(".ba3.tmp-991")));
        for (Path p : theirs) {
            assertEquals("user file", Files.readString(p), p + " must stay");
        }
        assertTrue(notes.stream().anyMatch(n -> n.contains("removed 4 temporary")), notes.toString());
    }

    @Test
    void theHolderSeesACancelRequest() throws Exception {
        Path run = dir.resolve("r");
        RunFolder.check(run, false);
        Files.writeString(run.resolve(RunLock.CANCEL_FILE), "left over from an earlier process\n");
        try (RunLock lock = RunFolder.lock(run, "r", n -> { })) {
            Thread.sleep(600);
            assertFalse(lock.cancelRequested(), "a request from before the lock is dropped");
            RunLock.requestCancel(run);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!lock.cancelRequested() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(lock.cancelRequested());
        }
    }

    /** Every file under {@code root} with its content (or "<dir>"). */
    static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                m.put(root.relativize(p).toString(), Files.isDirectory(p) ? "<dir>"
                        : Files.size(p) + ":" + java.util.Arrays.hashCode(Files.readAllBytes(p)) + ":"
                        + Files.getLastModifiedTime(p).toMillis());
            }
        }
        return m;
    }
}
