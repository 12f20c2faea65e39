package dev.finetune4j.bench;

import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.ModelOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link TrainStepBenchmark} and prints tokens/s and the fraction of the raw matmul FLOP rate per precision,
 * then a 200-step memory check (RSS must stay flat with an NDScope per step).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.finetune4j.bench.TrainStepReport [warmup-s measure-s
 *     memory-steps memory-layers]</pre>
 * The memory check defaults to 200 steps of the 7-layer model; fewer layers keep it short on a busy machine.
 */
public final class TrainStepReport {

    private TrainStepReport() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        int warm = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int meas = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Options opt = new OptionsBuilder().include(TrainStepBenchmark.class.getSimpleName())
                .warmupIterations(2).warmupTime(TimeValue.seconds(warm))
                .measurementIterations(3).measurementTime(TimeValue.seconds(meas)).build();
        Collection<RunResult> results = new Runner(opt).run();
        Map<String, Double> ms = new HashMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            String key = name.substring(name.lastIndexOf('.') + 1) + "/" + r.getParams().getParam("precision");
            ms.put(key, r.getPrimaryResult().getScore());
        }
        System.setProperty("ai.djl.offline", "true");
        try (CausalLm probe = CausalLm.random(TrainStepBenchmark.config(), ModelOptions.cpu())) {
            double flops = TrainStepBenchmark.stepFlops(probe, TrainStepBenchmark.ROWS, TrainStepBenchmark.SEQ);
            System.out.printf("model: %.1fM parameters, step FLOPs %.3g (6·N·T + attention)%n",
                    probe.parameterCount() / 1e6, flops);
            for (String p : new String[] {"FP32", "BF16"}) {
                Double step = ms.get("trainStep/" + p);
                Double mm = ms.get("matmul/" + p);
                if (step == null || mm == null) {
                    continue;
                }
                double tokensPerS = TrainStepBenchmark.ROWS * TrainStepBenchmark.SEQ / (step / 1e3);
                double achieved = flops / (step / 1e3);
                double raw = TrainStepBenchmark.matmulFlops() / (mm / 1e3);
                System.out.printf("%s: step %.1f ms, %.0f tokens/s, %.1f GFLOP/s achieved vs %.1f GFLOP/s raw matmul "
                        + "→ fraction %.2f%n", p, step, tokensPerS, achieved / 1e9, raw / 1e9, achieved / raw);
            }
        }
        memoryCheck(args.length > 2 ? Integer.parseInt(args[2]) : 200, args.length > 3 ? Integer.parseInt(args[3]) : 7);
    }

    /** {@code steps} fp32 steps with an NDScope per step; prints RSS along the way. */
    static void memoryCheck(int steps, int layers) throws IOException {
        System.out.printf("memory check: %d steps, %d layers, batch %d x %d%n", steps, layers,
                TrainStepBenchmark.ROWS, TrainStepBenchmark.SEQ);
        try (CausalLm model = CausalLm.random(TrainStepBenchmark.config(layers),
                ModelOptions.cpu().withSeed(1))) {
            Batch batch = TrainStepBenchmark.randomBatch(model.config().vocabSize());
            long first = 0;
            for (int i = 1; i <= steps; i++) {
                TrainStepBenchmark.step(model, batch);
                if (i == 10 || i % 50 == 0) {
                    long rss = rssKb();
                    if (i == 10) {
                        first = rss;
                    }
                    System.out.printf("memory: step %d RSS %.0f MiB (%+.0f MiB since step 10), model arrays %d%n", i,
                            rss / 1024.0, (rss - first) / 1024.0, model.manager().getManagedArrays().size());
                }
            }
        }
    }

    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
