package dev.finetune4j.distributed;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.data.Batch;
import dev.finetune4j.data.MemoryCorpus;
import dev.finetune4j.data.PackPlan;
import dev.finetune4j.data.PackedDataset;
import dev.finetune4j.engine.event.Metrics;
import dev.finetune4j.engine.event.RunListener;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.engine.model.Precision;
import dev.finetune4j.engine.schedule.Constant;
import dev.finetune4j.engine.schedule.Time;
import dev.finetune4j.engine.train.DataParallel;
import dev.finetune4j.engine.train.ModelExporter;
import dev.finetune4j.engine.train.PromptSampler;
import dev.finetune4j.engine.train.Trainer;
import dev.finetune4j.engine.train.TrainingSpec;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * One rank of a tiny data-parallel training job (a child JVM of the tests, or run in the test JVM for world 1):
 * {@code RANK WORLD PORT RUN_DIR OUT_FILE DURATION AUTORESUME HALT_AFTER_BATCH}. Writes the rank-0 losses by batch
 * and the final weights to OUT_FILE; HALT_AFTER_BATCH > 0 makes rank 1 die (halt) after that batch.
 */
public final class RankMain {

    static final int ROWS = 24;
    static final int GLOBAL = 6;

    public static void main(String[] args) throws IOException {
        int rank = Integer.parseInt(args[0]);
        int world = Integer.parseInt(args[1]);
        int port = Integer.parseInt(args[2]);
        Path runDir = Path.of(args[3]);
        Path out = Path.of(args[4]);
        String duration = args[5];
        boolean autoresume = Boolean.parseBoolean(args[6]);
        long haltAfter = Long.parseLong(args[7]);
        boolean zero = args.length > 8 && args[8].equals("optimizer");
        train(rank, world, port, runDir, out, duration, autoresume, haltAfter, zero);
    }

    static void train(int rank, int world, int port, Path runDir, Path out, String duration, boolean autoresume,
                      long haltAfter) throws IOException {
        train(rank, world, port, runDir, out, duration, autoresume, haltAfter, false);
    }

    static void train(int rank, int world, int port, Path runDir, Path out, String duration, boolean autoresume,
                      long haltAfter, boolean zero) throws IOException {
        TreeMap<Long, Double> losses = new TreeMap<>();
        RunListener listener = new RunListener() {
            @Override
            public void onMetrics(Metrics m) {
                long batch = m.step();
                if (m.values().containsKey(Metrics.LOSS)) {
                    losses.put(batch, m.get(Metrics.LOSS));
                }
                if (rank == 1 && haltAfter > 0 && batch == haltAfter) {
                    Runtime.getRuntime().halt(17); // a rank dying mid-job
                }
            }
        };
        TrainingSpec spec = TrainingSpec.builder(runDir, Time.parse(duration), 1e-3).runName("dp-test")
                .batchSizes(2, GLOBAL).optimizer(new TrainingSpec.OptimizerSpec("adamw", 0.9, 0.95, 0.0, 1e-8))
                .scheduler(Constant.one()).gradientClipVal(1.0).intervals(Time.parse("1ba"), Time.parse("1ba"))
                .autoresume(autoresume).seed(17).build();
        ProcessGroup group = world == 1 ? null : ProcessGroup.gloo(rank, world, "127.0.0.1", port,
                "host:127.0.0.1", Duration.ofSeconds(20), 1);
        try (CausalLm model = CausalLm.random(tinyLlama(), ModelOptions.on(Device.cpu())
                .withPrecision(Precision.FP32).withSeed(5))) {
            Trainer trainer = new Trainer(model, dataset(), dataset(), spec, listener, noExport(),
                    PromptSampler.NONE);
            trainer.distributeWith(group == null ? DataParallel.SINGLE : new GlooDataParallel(group, 4096, zero));
            trainer.run();
            if (rank == 0) {
                write(out, losses, model.stateDict(DType.FLOAT32, false));
            }
        } finally {
            if (group != null) {
                group.close();
            }
        }
    }

    private static void write(Path out, TreeMap<Long, Double> losses, Map<String, StoredTensor> weights)
            throws IOException {
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        try (DataOutputStream o = new DataOutputStream(Files.newOutputStream(tmp))) {
            o.writeInt(losses.size());
            for (Map.Entry<Long, Double> e : losses.entrySet()) {
                o.writeLong(e.getKey());
                o.writeDouble(e.getValue());
            }
            o.writeInt(weights.size());
            for (Map.Entry<String, StoredTensor> e : weights.entrySet()) {
                o.writeUTF(e.getKey());
                float[] v = e.getValue().toFloatArray();
                o.writeInt(v.length);
                for (float f : v) {
                    o.writeFloat(f);
                }
            }
        }
        Files.move(tmp, out);
    }

    static ModelConfig tinyLlama() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("model_type", "llama");
        o.put("vocab_size", 61);
        o.put("hidden_size", 16);
        o.put("intermediate_size", 32);
        o.put("num_hidden_layers", 1);
        o.put("num_attention_heads", 2);
        o.put("num_key_value_heads", 1);
        o.put("max_position_embeddings", 64);
        o.put("rms_norm_eps", 1e-5);
        o.put("initializer_range", 0.2);
        o.put("eos_token_id", 2);
        o.put("bos_token_id", 1);
        return ModelConfig.fromJson(o);
    }

    /** Rows of 6…16 tokens with a masked prefix of random length, so rows hold different loss-token counts. */
    static PackedDataset dataset() {
        Random rnd = new Random(3);
        MemoryCorpus corpus = new MemoryCorpus();
        for (int i = 0; i < ROWS; i++) {
            int len = 6 + rnd.nextInt(11);
            int[] ids = new int[len];
            for (int t = 0; t < len; t++) {
                ids[t] = 3 + rnd.nextInt(58);
            }
            int[] labels = ids.clone();
            Arrays.fill(labels, 0, 1 + rnd.nextInt(len - 2), Batch.IGNORE_INDEX);
            corpus.add(ids, labels);
        }
        int[] rowStart = new int[ROWS + 1];
        int[] members = new int[ROWS];
        for (int i = 0; i < ROWS; i++) {
            rowStart[i + 1] = i + 1;
            members[i] = i;
        }
        return new PackedDataset(corpus, new PackPlan(rowStart, members), 16, 0, false);
    }

    private static ModelExporter noExport() {
        return new ModelExporter() {
            @Override
            public Map<String, Object> integrations(CausalLm model) {
                return Map.of();
            }

            @Override
            public Map<String, Object> metadata(CausalLm model) {
                return Map.of();
            }

            @Override
            public Path export(CausalLm model, Path dir, boolean mergeLora) {
                throw new AssertionError("no export in this test");
            }
        };
    }
}
