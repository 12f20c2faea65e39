package dev.finetune4j.bench;

import dev.finetune4j.data.Batch;
import dev.finetune4j.data.CorpusWriter;
import dev.finetune4j.data.MappedCorpus;
import dev.finetune4j.data.TokenCorpus;
import dev.finetune4j.data.Loader;
import dev.finetune4j.data.MemoryCorpus;
import dev.finetune4j.data.PackPlan;
import dev.finetune4j.data.PackedDataset;
import dev.finetune4j.data.Packer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Packing throughput in tokens per second on one thread ({@code ops/s} = tokens/s, because each invocation
 * handles exactly {@value #TOKENS} tokens): first-fit-decreasing planning alone, and planning plus materialising
 * every row of the epoch into micro-batches (what the trainer pays per epoch). Example lengths are drawn from a
 * skewed distribution typical of instruction data (many short, some near the context length).
 * Run: {@code java -jar benchmarks/target/benchmarks.jar PackingBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class PackingBenchmark {

    /** Tokens per invocation. */
    public static final int TOKENS = 8_000_000;

    @Param({"2048", "8192"})
    public int contextLength;

    /** Where the tokens live: heap arrays or the memory-mapped files prepare() uses. */
    @Param({"mapped", "memory"})
    public String corpus;

    private int[] examples;
    private int[] lengths;
    private PackedDataset dataset;

    @Setup(Level.Trial)
    public void setUp() throws java.io.IOException {
        SplittableRandom rnd = new SplittableRandom(42);
        MemoryCorpus memory = new MemoryCorpus();
        java.util.List<Integer> lens = new java.util.ArrayList<>();
        int left = TOKENS;
        while (left > 0) {
            double u = rnd.nextDouble();
            int len = (int) Math.max(2, Math.min(contextLength, Math.exp(4 + 3 * u * u) + rnd.nextInt(16)));
            len = Math.min(len, left);
            if (len < 2 && !lens.isEmpty()) {
                lens.set(lens.size() - 1, lens.get(lens.size() - 1) + len);
                break;
            }
            lens.add(len);
            left -= len;
        }
        examples = new int[lens.size()];
        lengths = new int[lens.size()];
        for (int i = 0; i < lens.size(); i++) {
            int len = lens.get(i);
            int[] ids = new int[len];
            int[] labels = new int[len];
            for (int t = 0; t < len; t++) {
                ids[t] = 1000 + (t & 1023);
                labels[t] = t > len / 2 ? ids[t] : Batch.IGNORE_INDEX;
            }
            examples[i] = memory.add(ids, labels);
            lengths[i] = len;
        }
        TokenCorpus tokens = memory;
        if (corpus.equals("mapped")) {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("packing-bench");
            CorpusWriter w = MappedCorpus.writer(dir);
            int[] ids = new int[contextLength];
            int[] labels = new int[contextLength];
            for (int i = 0; i < examples.length; i++) {
                int[] exIds = java.util.Arrays.copyOf(ids, lengths[i]);
                int[] exLabels = java.util.Arrays.copyOf(labels, lengths[i]);
                memory.readIds(i, exIds, 0);
                memory.readLabels(i, exLabels, 0);
                w.add(exIds, exLabels);
            }
            tokens = w.finish();
            try (var files = java.nio.file.Files.list(dir)) {
                for (java.nio.file.Path f : files.toList()) {
                    java.nio.file.Files.delete(f); // the mapping stays valid
                }
            }
            java.nio.file.Files.delete(dir);
        }
        dataset = new PackedDataset(tokens, Packer.firstFitDecreasing(examples, lengths, contextLength), contextLength, 0, false);
    }

    /** First-fit-decreasing plan of the whole split. */
    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public PackPlan planFirstFitDecreasing() {
        return Packer.firstFitDecreasing(examples, lengths, contextLength);
    }

    /** One epoch through the loader: every packed row copied into micro-batches of 8 rows. */
    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public void materialiseEpoch(Blackhole bh) {
        Loader loader = dataset.loader(8, 1);
        while (loader.hasNext()) {
            bh.consume(loader.next());
        }
    }
}
