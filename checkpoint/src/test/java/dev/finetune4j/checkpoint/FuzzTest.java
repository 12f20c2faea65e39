package dev.finetune4j.checkpoint;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.checkpoint.safetensors.SafetensorsFile;
import dev.finetune4j.checkpoint.safetensors.SafetensorsWriter;
import dev.finetune4j.checkpoint.torch.TorchFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random byte flips and truncations of real fixtures (a few thousand cases, fixed seed): every mutant either loads
 * or raises {@link CheckpointFormatException} — never another exception, a hang or an OutOfMemoryError.
 */
class FuzzTest {
    private static final int CASES_PER_FILE = 300;

    private record Outcome(int loaded, int rejected) {
    }

    private static Outcome fuzz(Path file, long seed, Consumer<ByteBuffer> reader) throws Exception {
        byte[] orig = Files.readAllBytes(file);
        Random rnd = new Random(seed);
        int loaded = 0;
        int rejected = 0;
        for (int c = 0; c < CASES_PER_FILE; c++) {
            byte[] b;
            String what;
            int kind = rnd.nextInt(10);
            if (kind < 2) {
                int len = rnd.nextInt(orig.length);
                b = java.util.Arrays.copyOf(orig, len);
                what = "truncated to " + len;
            } else {
                b = orig.clone();
                int flips = 1 + rnd.nextInt(3);
                StringBuilder sb = new StringBuilder("flipped");
                for (int i = 0; i < flips; i++) {
                    int pos;
                    if (kind < 5) {
                        pos = rnd.nextInt(Math.min(512, b.length)); // headers, pickle, safetensors JSON
                    } else if (kind < 7) {
                        pos = b.length - 1 - rnd.nextInt(Math.min(512, b.length)); // zip central directory
                    } else {
                        pos = rnd.nextInt(b.length);
                    }
                    b[pos] = (byte) rnd.nextInt(256);
                    sb.append(' ').append(pos);
                }
                what = sb.toString();
            }
            long t0 = System.nanoTime();
            try {
                reader.accept(ByteBuffer.wrap(b));
                loaded++;
            } catch (CheckpointFormatException e) {
                rejected++;
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
            } catch (Throwable e) {
                fail(file.getFileName() + " " + what + ": " + e.getClass().getName() + ": " + e.getMessage(), e);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 5_000, file.getFileName() + " " + what + " took " + ms + " ms");
        }
        return new Outcome(loaded, rejected);
    }

    /** The module's own torch fixtures, fuzzed on every build. */
    private static List<Path> fixtureTorchFiles() {
        return List.of(Fixtures.path("composer_like.pt"), Fixtures.path("hf_bin/pytorch_model.bin"));
    }

    /** The conformance suite's torch files (legacy formats, protocols, shared storages). */
    private static List<Path> conformanceTorchFiles() {
        Path root = Conformance.checkpoints().resolve("pytorch");
        List<Path> l = new ArrayList<>();
        for (String f : List.of("burn-reader/checkpoint.pt", "burn-reader/complex_structure.pt",
                "burn-reader/legacy_shared_storage.pt", "burn-reader/legacy_uncloned_views.pt",
                "burn-reader/parameter.pt", "burn-reader/bfloat16.pt", "gopickle/tensor_float16_proto1.pt",
                "gopickle/tensor_int64_proto5_zip.pt", "burn-modules/complex_nested/complex_nested.pt")) {
            l.add(root.resolve(f));
        }
        return l;
    }

    @Test
    void torchReaderOnlyEverRaisesItsFormatException() throws Exception {
        fuzzTorch(fixtureTorchFiles(), 1);
    }

    @Test
    void torchReaderOnConformanceFilesOnlyEverRaisesItsFormatException() throws Exception {
        fuzzTorch(conformanceTorchFiles(), 11);
    }

    private static void fuzzTorch(List<Path> files, long firstSeed) throws Exception {
        int loaded = 0;
        int rejected = 0;
        long seed = firstSeed;
        for (Path f : files) {
            Outcome o = fuzz(f, seed++, b -> TorchFile.read(b, "fuzz"));
            loaded += o.loaded;
            rejected += o.rejected;
        }
        System.out.println("torch fuzz: " + (loaded + rejected) + " mutants, " + rejected + " rejected with "
                + "CheckpointFormatException, " + loaded + " still loadable");
        assertTrue(rejected > loaded, "most mutants must be detected (CRC, structure)");
    }

    @Test
    void composerInterpretationOnlyRaisesItsFormatException() throws Exception {
        Outcome o = fuzz(Fixtures.path("composer_like.pt"), 99,
                b -> ComposerCheckpoint.fromPython(TorchFile.read(b, "fuzz"), "fuzz"));
        System.out.println("composer fuzz: " + o);
    }

    @Test
    void safetensorsReaderOnlyEverRaisesItsFormatException(@TempDir Path tmp) throws Exception {
        LinkedHashMap<String, StoredTensor> m = new LinkedHashMap<>();
        m.put("layer.weight", StoredTensor.ofFloats(new long[] {3, 4}, new float[12]));
        m.put("layer.bias", StoredTensor.ofFloats(new long[] {4}, new float[] {1, 2, 3, 4}));
        Path f = tmp.resolve("small.safetensors");
        SafetensorsWriter.write(f, m, SafetensorsWriter.PT_METADATA);
        fuzzSafetensors(f);
    }

    @Test
    void safetensorsReaderOnConformanceFileOnlyEverRaisesItsFormatException() throws Exception {
        fuzzSafetensors(Conformance.checkpoints().resolve("safetensors/burn/multi_layer.safetensors"));
    }

    private static void fuzzSafetensors(Path f) throws Exception {
        Outcome o = fuzz(f, 7, b -> SafetensorsFile.parse(b, "fuzz"));
        Outcome o2 = fuzz(f, 8, b -> SafetensorsFile.parse(b, "fuzz"));
        System.out.println("safetensors fuzz: " + (o.loaded + o.rejected + o2.loaded + o2.rejected) + " mutants, "
                + (o.rejected + o2.rejected) + " rejected");
    }
}
