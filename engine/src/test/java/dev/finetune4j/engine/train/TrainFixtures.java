package dev.finetune4j.engine.train;

import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.data.Batch;
import dev.finetune4j.data.MemoryCorpus;
import dev.finetune4j.data.PackPlan;
import dev.finetune4j.data.PackedDataset;
import dev.finetune4j.engine.event.Metrics;
import dev.finetune4j.engine.event.RunEvent;
import dev.finetune4j.engine.event.RunListener;
import dev.finetune4j.engine.lora.LoraOptions;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.DropoutOptions;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.engine.model.TinyModels;
import dev.finetune4j.engine.schedule.Scheduler;
import dev.finetune4j.engine.schedule.Time;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/** Tiny models, in-memory packed data, a spec builder and a recording listener for the training-loop tests. */
final class TrainFixtures {
    private TrainFixtures() {
    }

    /** A hidden-32, 2-layer Llama (vocab 101) on the CPU in fp32, seeded. */
    static CausalLm tinyModel(long seed, double dropout) {
        DropoutOptions d = dropout == 0 ? DropoutOptions.NONE : new DropoutOptions(dropout, dropout, dropout);
        return CausalLm.random(TinyModels.llama(),
                ModelOptions.cpu().withDropout(d).withSeed(seed));
    }

    /** The same tiny Llama (base from {@code baseSeed}) with rank-4 LoRA on all linear projections. */
    static CausalLm tinyLoraModel(long baseSeed, long adapterSeed, double dropout) {
        try (CausalLm base = tinyModel(baseSeed, 0)) {
            var baseWeights = base.stateDict(dev.finetune4j.checkpoint.DType.FLOAT32, false);
            DropoutOptions d = dropout == 0 ? DropoutOptions.NONE : new DropoutOptions(dropout, dropout, dropout);
            CausalLm m = CausalLm.random(TinyModels.llama(), ModelOptions.cpu().withDropout(d)
                    .withLora(new LoraOptions(4, 8, dropout, LoraOptions.ALL_LINEAR, false, "default"))
                    .withSeed(adapterSeed));
            m.loadStateDict(baseWeights, false);
            return m;
        }
    }

    /** LoRA adapter weights as float32 arrays by PEFT name. */
    static Map<String, float[]> loraWeights(CausalLm model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.loraStateDict().forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    /**
     * {@code rows} single-document rows of 6…16 tokens whose first {@code 1…len-2} labels are masked (a "prompt"),
     * so rows hold clearly different numbers of loss tokens.
     */
    static PackedDataset dataset(int rows, long seed) {
        Random rnd = new Random(seed);
        MemoryCorpus corpus = new MemoryCorpus();
        for (int i = 0; i < rows; i++) {
            int len = 6 + rnd.nextInt(11);
            int[] ids = TinyModels.randomIds(rnd, len, 101);
            int[] labels = ids.clone();
            int prompt = 1 + rnd.nextInt(len - 2);
            Arrays.fill(labels, 0, prompt, Batch.IGNORE_INDEX);
            corpus.add(ids, labels);
        }
        int[] rowStart = new int[rows + 1];
        int[] members = new int[rows];
        for (int i = 0; i < rows; i++) {
            rowStart[i + 1] = i + 1;
            members[i] = i;
        }
        return new PackedDataset(corpus, new PackPlan(rowStart, members), 16, 0, false);
    }

    /** A mutable builder over {@link TrainingSpec} with small-test defaults (Lion, constant lr, no export). */
    static final class Spec {
        Path runDir;
        int micro = 2;
        int global = 4;
        String duration = "4ba";
        double lr = 1e-3;
        TrainingSpec.OptimizerSpec optimizer = new TrainingSpec.OptimizerSpec("decoupled_lionw", 0.9, 0.99, 0.0, 1e-8);
        Scheduler scheduler = dev.finetune4j.engine.schedule.Constant.one();
        double clip = 0;
        String saveInterval;
        String evalInterval;
        TrainingSpec.EarlyStoppingSpec earlyStopping;
        int keep = -1;
        boolean autoresume;
        long seed = 17;

        Spec(Path runDir) {
            this.runDir = runDir;
        }

        TrainingSpec build() {
            return TrainingSpec.builder(runDir, Time.parse(duration), lr)
                    .runName("test-run")
                    .batchSizes(micro, global)
                    .optimizer(optimizer)
                    .scheduler(scheduler)
                    .gradientClipVal(clip)
                    .intervals(evalInterval == null ? null : Time.parse(evalInterval),
                            saveInterval == null ? null : Time.parse(saveInterval))
                    .keepCheckpoints(keep)
                    .autoresume(autoresume)
                    .earlyStopping(earlyStopping)
                    .seed(seed)
                    .build();
        }
    }

    /** An exporter that adds nothing to checkpoints and refuses to export (engine tests run without export). */
    static ModelExporter noExport() {
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
                throw new AssertionError("export not expected in this test");
            }
        };
    }

    /** Records every metrics map by batch and every event in order. */
    static final class Recorder implements RunListener {
        final TreeMap<Long, Map<String, Double>> metrics = new TreeMap<>();
        final List<String> events = new ArrayList<>();
        final List<Map<String, Object>> eventFields = new ArrayList<>();

        @Override
        public void onEvent(RunEvent e) {
            events.add(e.type().jsonName());
            eventFields.add(e.fields());
        }

        @Override
        public void onMetrics(Metrics m) {
            metrics.computeIfAbsent(m.step(), b -> new LinkedHashMap<>()).putAll(m.values());
        }

        /** The training loss reported for each step, keyed by the batch count after the step. */
        TreeMap<Long, Double> losses() {
            TreeMap<Long, Double> out = new TreeMap<>();
            metrics.forEach((b, m) -> {
                if (m.containsKey("loss")) {
                    out.put(b, m.get("loss"));
                }
            });
            return out;
        }

        /** The value of metric {@code key} for each step that reported it. */
        TreeMap<Long, Double> series(String key) {
            TreeMap<Long, Double> out = new TreeMap<>();
            metrics.forEach((b, m) -> {
                if (m.containsKey(key)) {
                    out.put(b, m.get(key));
                }
            });
            return out;
        }
    }

    /** Trainable weights (or all base weights) as float32 arrays by name. */
    static Map<String, float[]> weights(CausalLm model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, StoredTensor> e : model.stateDict(dev.finetune4j.checkpoint.DType.FLOAT32, false)
                .entrySet()) {
            out.put(e.getKey(), e.getValue().toFloatArray());
        }
        return out;
    }
}
