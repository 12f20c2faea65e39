package dev.finetune4j.bench;

import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.safetensors.SafetensorsFile;
import dev.finetune4j.checkpoint.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * safetensors read and write throughput against a plain FileChannel copy of the same bytes, in the same run.
 * Each operation moves {@code totalMiB} MiB; compare the average times of the pairs:
 * {@code readSafetensorsInto} / {@code readSafetensors} vs {@code readPlainFileChannel} (every tensor's bytes are
 * copied into a direct buffer, as the engine does when it builds NDArrays: with positional channel reads, or out of
 * the memory mapping, which pays one page fault per 4 KiB on a fresh mapping; the baseline reads the whole file
 * into a direct buffer) and {@code writeSafetensors} vs {@code writePlainFileChannel} (both write the same bytes and fsync; the
 * safetensors writer also builds the header and renames atomically). Target: safetensors time ≤ 1.25 × plain
 * (≥ 0.8 of the copy rate).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar SafetensorsBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SafetensorsBenchmark {
    @Param({"256"})
    public int totalMiB;

    /** Tensor size: a 2048 x 2048 float32 projection is 16 MiB. */
    @Param({"16"})
    public int tensorMiB;

    private Path dir;
    private Path stFile;
    private Path rawFile;
    private LinkedHashMap<String, StoredTensor> tensors;
    private ByteBuffer whole;
    private ByteBuffer sink;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("st-bench");
        tensors = new LinkedHashMap<>();
        int n = totalMiB / tensorMiB;
        int elems = tensorMiB * (1 << 20) / 4;
        for (int i = 0; i < n; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(elems * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < elems; k++) {
                b.putFloat(k * 4, (i * 31 + k) * 1e-3f);
            }
            tensors.put(String.format("model.layers.%d.mlp.up_proj.weight", i), new StoredTensor(
                    dev.finetune4j.checkpoint.DType.FLOAT32, new long[] {elems / 1024, 1024}, b));
        }
        stFile = dir.resolve("model.safetensors");
        SafetensorsWriter.write(stFile, tensors, SafetensorsWriter.PT_METADATA);
        rawFile = dir.resolve("raw.bin");
        whole = ByteBuffer.allocateDirect((int) Files.size(stFile));
        try (FileChannel ch = FileChannel.open(stFile)) {
            while (whole.hasRemaining() && ch.read(whole) >= 0) {
                // fill
            }
        }
        whole.flip();
        sink = ByteBuffer.allocateDirect(tensorMiB << 20);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Benchmark
    public void readSafetensors(Blackhole bh) {
        SafetensorsFile f = SafetensorsFile.open(stFile);
        for (Map.Entry<String, StoredTensor> e : f.tensors().entrySet()) {
            sink.clear();
            sink.put(e.getValue().data());
            bh.consume(sink.get(0));
        }
    }

    @Benchmark
    public void readSafetensorsInto(Blackhole bh) {
        SafetensorsFile f = SafetensorsFile.open(stFile);
        for (String name : f.names()) {
            sink.clear();
            f.readInto(name, sink);
            bh.consume(sink.get(0));
        }
    }

    @Benchmark
    public void readPlainFileChannel(Blackhole bh) throws IOException {
        ByteBuffer b = whole.duplicate().clear();
        try (FileChannel ch = FileChannel.open(stFile, StandardOpenOption.READ)) {
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // copy
            }
        }
        bh.consume(b.get(0));
    }

    @Benchmark
    public void writeSafetensors() {
        SafetensorsWriter.write(dir.resolve("out.safetensors"), tensors, SafetensorsWriter.PT_METADATA);
    }

    @Benchmark
    public void writePlainFileChannel() throws IOException {
        try (FileChannel ch = FileChannel.open(rawFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = whole.duplicate();
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
    }
}
