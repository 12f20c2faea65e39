package dev.finetune4j.bench;

import dev.finetune4j.tokenizer.HfTokenizer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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

/**
 * Encode throughput of {@link HfTokenizer#encodeBatch} on the Llama-3.2 tokenizer over 600 real prompt/response
 * texts, on 1 and 2 threads. The {@code tokens} counter is the throughput in tokens per second (target ≥ 1 M/s on 2
 * threads). Run: {@code java -Dconformance.dir=... -jar benchmarks/target/benchmarks.jar TokenizerBenchmark}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true"})
@State(Scope.Benchmark)
public class TokenizerBenchmark {

    @Param({"1", "2"})
    public int threads;

    HfTokenizer tokenizer;
    List<String> texts;

    /** Tokens produced, reported by JMH as a rate. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Tokens {
        public long tokens;

        @Setup(Level.Iteration)
        public void reset() {
            tokens = 0;
        }
    }

    @Setup
    public void setUp() {
        tokenizer = HfTokenizer.load(BenchData.conformance().resolve("tokenizers/llama3.2"));
        texts = BenchData.texts();
    }

    @TearDown
    public void tearDown() {
        tokenizer.close();
    }

    @Benchmark
    public int encodeBatch(Tokens counter) {
        List<int[]> ids = tokenizer.encodeBatch(texts, true, threads);
        int n = 0;
        for (int[] x : ids) {
            n += x.length;
        }
        counter.tokens += n;
        return n;
    }
}
