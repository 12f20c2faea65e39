package dev.finetune4j.checkpoint.torch;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.checkpoint.inspect.CheckpointInspector;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile pickles written byte by byte into torch.save archives: containers that contain themselves, memo bombs
 * (shared sub-objects referenced exponentially), very deep nesting and unhashable or exploding dict keys. Reading,
 * inspecting and interpreting them as a Composer checkpoint ends within 5 s with a {@link CheckpointFormatException}
 * naming the file and the bound.
 */
class HostilePickleTest {
    private static final Duration CAP = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    /** Pickle opcodes (protocol 2). */
    private static final int PROTO = 0x80;
    private static final int STOP = '.';
    private static final int EMPTY_LIST = ']';
    private static final int EMPTY_DICT = '}';
    private static final int APPEND = 'a';
    private static final int SETITEM = 's';
    private static final int BINPUT = 'q';
    private static final int LONG_BINPUT = 'r';
    private static final int BINGET = 'h';
    private static final int LONG_BINGET = 'j';
    private static final int BININT1 = 'K';
    private static final int TUPLE1 = 0x85;
    private static final int TUPLE2 = 0x86;
    private static final int DUP = '2';
    private static final int POP = '0';
    private static final int MARK = '(';
    private static final int LIST = 'l';

    private static final class Pickle {
        private final ByteArrayOutputStream b = new ByteArrayOutputStream();

        Pickle() {
            op(PROTO).op(2);
        }

        Pickle op(int... ops) {
            for (int o : ops) {
                b.write(o);
            }
            return this;
        }

        Pickle put(int i) {
            op(LONG_BINPUT);
            return int32(i);
        }

        Pickle get(int i) {
            op(LONG_BINGET);
            return int32(i);
        }

        Pickle str(String s) {
            op('X');
            int32(s.length());
            b.writeBytes(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return this;
        }

        private Pickle int32(int i) {
            return op(i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff, (i >>> 24) & 0xff);
        }

        byte[] stop() {
            op(STOP);
            return b.toByteArray();
        }
    }

    private Path archive(String name, byte[] pickle) throws IOException {
        Path file = dir.resolve(name);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            TorchZipWriter w = new TorchZipWriter(ch, false);
            w.add("archive/data.pkl", ByteBuffer.wrap(pickle));
            w.add("archive/version", "3\n");
            w.finish();
        }
        return file;
    }

    /** Every reader refuses the file quickly, naming it and the expected words. */
    private void assertRefused(Path file, String... words) {
        assertTimeoutPreemptively(CAP, () -> {
            List<org.junit.jupiter.api.function.Executable> readers = List.of(
                    () -> TorchFile.read(file),
                    () -> TorchFile.readContents(file),
                    () -> CheckpointInspector.list(file),
                    () -> ComposerCheckpoint.fromPython(TorchFile.read(file), file.toString()));
            for (org.junit.jupiter.api.function.Executable r : readers) {
                CheckpointFormatException e = assertThrows(CheckpointFormatException.class, r);
                assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
                for (String w : words) {
                    assertTrue(e.getMessage().contains(w), "'" + w + "' not in: " + e.getMessage());
                }
            }
        });
    }

    @Test
    void listContainingItself() throws IOException {
        assertRefused(archive("self_list.pt", new Pickle().op(EMPTY_LIST).put(0).get(0).op(APPEND).stop()),
                "contains itself");
    }

    @Test
    void dictContainingItself() throws IOException {
        assertRefused(archive("self_dict.pt", new Pickle().op(EMPTY_DICT).put(0).str("state").get(0).op(SETITEM)
                .stop()), "contains itself");
    }

    @Test
    void cycleThroughATuple() throws IOException {
        // l = []; l.append((l,))
        assertRefused(archive("tuple_cycle.pt", new Pickle().op(EMPTY_LIST).put(0).get(0).op(TUPLE1).op(APPEND)
                .stop()), "contains itself");
    }

    @Test
    void tupleMemoBomb() throws IOException {
        // t0 = (0,); t(i+1) = (ti, ti): 2^100 leaves in a pickle of a few hundred bytes
        Pickle p = new Pickle().op(BININT1, 0).op(TUPLE1);
        for (int i = 0; i < 100; i++) {
            p.op(DUP).op(TUPLE2);
        }
        assertRefused(archive("tuple_bomb.pt", p.stop()), "MAX_EXPANDED");
    }

    @Test
    void listMemoBombInsideADict() throws IOException {
        // l0 = []; l(i+1) = [li, li]; {"state": l100}
        Pickle p = new Pickle().op(EMPTY_DICT).str("state").op(EMPTY_LIST).put(0);
        for (int i = 0; i < 100; i++) {
            p.op(MARK).get(i).get(i).op(LIST).put(i + 1).op(POP, POP).get(i + 1);
        }
        assertRefused(archive("list_bomb.pt", p.op(SETITEM).stop()), "MAX_EXPANDED");
    }

    @Test
    void memoBombAsADictKey() throws IOException {
        // hashing the key would walk 2^100 tuples
        Pickle p = new Pickle().op(EMPTY_DICT).op(BININT1, 0).op(TUPLE1);
        for (int i = 0; i < 100; i++) {
            p.op(DUP).op(TUPLE2);
        }
        assertRefused(archive("key_bomb.pt", p.op(BININT1, 1).op(SETITEM).stop()), "MAX_KEY_VALUES");
    }

    @Test
    void unhashableKeyInsideATuple() throws IOException {
        assertRefused(archive("list_key.pt", new Pickle().op(EMPTY_DICT).op(EMPTY_LIST).op(TUPLE1).op(BININT1, 1)
                .op(SETITEM).stop()), "unhashable");
    }

    @Test
    void hundredThousandNestedLists() throws IOException {
        Pickle p = new Pickle();
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            p.op(EMPTY_LIST);
        }
        for (int i = 1; i < n; i++) {
            p.op(APPEND);
        }
        assertRefused(archive("deep.pt", p.stop()), "MAX_DEPTH");
    }

    @Test
    void sharedButSmallStructuresStillLoad() throws IOException {
        // a tensor-free state dict that shares one list 50 times: expansion is small, it must load unchanged
        Pickle p = new Pickle().op(EMPTY_DICT).op(EMPTY_LIST).put(0).op(BININT1, 7).op(APPEND).op(POP);
        for (int i = 0; i < 50; i++) {
            p.str("k" + i).get(0).op(SETITEM);
        }
        Path file = archive("shared_ok.pt", p.stop());
        Object o = assertTimeoutPreemptively(CAP, () -> TorchFile.read(file));
        assertTrue(o instanceof Map<?, ?> m && m.size() == 50 && m.get("k3").equals(List.of(7L)), String.valueOf(o));
    }
}
