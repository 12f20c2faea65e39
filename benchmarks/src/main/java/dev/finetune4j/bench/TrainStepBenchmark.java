package dev.finetune4j.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.kernel.ScalarType;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.engine.model.Precision;
import dev.finetune4j.engine.model.TrainableParameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
 * One training step (forward + backward, gradients zeroed) of a ~31M-parameter Llama at batch 4 × 256 on the CPU, in
 * fp32 and bf16, next to the raw matmul rate of the same precision measured in the same JVM. {@link TrainStepReport}
 * turns the scores into tokens/s and the fraction of the matmul FLOP rate.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true", "-Xmx8g"})
public class TrainStepBenchmark {

    /** Rows × sequence length of the step. */
    public static final int ROWS = 4;
    public static final int SEQ = 256;
    /** The matmul of the rate probe: [ROWS·SEQ, HIDDEN] × [INTER, HIDDEN]ᵀ, the MLP up-projection shape. */
    public static final int HIDDEN = 512;
    public static final int INTER = 1408;

    @Param({"FP32", "BF16"})
    public String precision;

    private CausalLm model;
    private Batch batch;
    private NDManager probeManager;
    private NDArray probeX;
    private NDArray probeW;
    private NDArray noBias;
    private KernelLibrary kernels;

    /** ~31M parameters: vocab 8192, hidden 512, 7 layers, 8 heads, MLP 1408, untied head. */
    public static ModelConfig config() {
        return config(7);
    }

    /** The benchmark architecture with {@code layers} decoder layers. */
    public static ModelConfig config(int layers) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("model_type", "llama");
        c.put("vocab_size", 8192);
        c.put("hidden_size", HIDDEN);
        c.put("intermediate_size", INTER);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", 8);
        c.put("num_key_value_heads", 8);
        c.put("max_position_embeddings", 2048);
        c.put("rms_norm_eps", 1e-5);
        return ModelConfig.fromJson(c);
    }

    public static Batch randomBatch(int vocab) {
        return randomBatch(vocab, ROWS, SEQ);
    }

    /** Random plain rows (one document per row). */
    public static Batch randomBatch(int vocab, int rows, int seq) {
        Random rnd = new Random(1);
        int[] ids = new int[rows * seq];
        int[] pos = new int[ids.length];
        int[][] cu = new int[rows][];
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < seq; t++) {
                ids[r * seq + t] = rnd.nextInt(vocab);
                pos[r * seq + t] = t;
            }
            cu[r] = new int[] {0, seq};
        }
        return new Batch(rows, seq, ids, ids.clone(), pos, cu, ids.length, (long) rows * (seq - 1));
    }

    @Setup(Level.Trial)
    public void setUp() {
        Precision p = Precision.valueOf(precision);
        model = CausalLm.random(config(), ModelOptions.cpu().withPrecision(p).withSeed(1));
        batch = randomBatch(model.config().vocabSize());
        probeManager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        kernels = KernelLibrary.on(Device.cpu());
        probeX = probeManager.randomNormal(new Shape(ROWS * SEQ, HIDDEN));
        probeW = probeManager.randomNormal(new Shape(INTER, HIDDEN));
        noBias = probeManager.create(new Shape(0), DataType.FLOAT32);
        if (p == Precision.BF16) {
            probeX = kernels.cast(probeX, ScalarType.BFLOAT16);
            probeW = kernels.cast(probeW, ScalarType.BFLOAT16);
            noBias = kernels.cast(noBias, ScalarType.BFLOAT16);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
        probeManager.close();
    }

    /** Forward + backward of one micro-batch, then gradients zeroed. Returns the loss so nothing is dead code. */
    @Benchmark
    public double trainStep() {
        return step(model, batch);
    }

    /** One matmul of the probe shape in the benchmark's precision (the raw rate). */
    @Benchmark
    public float matmul() {
        try (NDScope scope = new NDScope()) {
            NDArray y = kernels.linear(probeX, probeW, noBias, precision.equals("BF16"));
            return kernels.cast(y.get(0, 0).expandDims(0), ScalarType.FLOAT32).getFloat(0);
        }
    }

    /** The training step as the loop drives it (without the optimizer update). */
    public static double step(CausalLm model, Batch batch) {
        double loss;
        try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            var l = model.loss(batch, true);
            gc.backward(l.sum().div(l.tokens()));
            loss = l.mean();
        }
        try (NDScope scope = new NDScope()) {
            List<NDArray> grads = new ArrayList<>();
            for (TrainableParameter p : model.trainableParameters()) {
                grads.add(p.array().getGradient());
            }
            KernelLibrary.of(grads.get(0)).zero(grads);
        }
        return loss;
    }

    /** Matmul FLOPs of one step: 6·N·tokens (N = Linear weights incl. lm_head) plus attention 12·L·S²·d per row. */
    public static double stepFlops(CausalLm model, int rows, int seq) {
        ModelConfig c = model.config();
        long h = c.hiddenSize();
        long hd = c.headDim();
        long perLayer = h * c.numAttentionHeads() * hd * 2 + h * c.numKeyValueHeads() * hd * 2
                + 3L * h * c.intermediateSize();
        double n = perLayer * c.numHiddenLayers() + (double) h * c.vocabSize();
        double tokens = (double) rows * seq;
        double attention = 12.0 * c.numHiddenLayers() * seq * seq * c.numAttentionHeads() * hd * rows;
        return 6 * n * tokens + attention;
    }

    public static double matmulFlops() {
        return 2.0 * ROWS * SEQ * HIDDEN * INTER;
    }
}
