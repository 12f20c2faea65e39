package dev.finetune4j.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Writes a {@link RunConfig} as YAML with the same keys {@link RunConfigLoader} reads. */
final class RunConfigYaml {
    private RunConfigYaml() {
    }

    static String write(RunConfig c) {
        Map<String, Object> m = toMap(c);
        try {
            return YAMLMapper.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).build()
                    .writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the run configuration as YAML", e);
        }
    }

    static Map<String, Object> toMap(RunConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_name", c.runName());
        m.put("model", str(c.model()));
        m.put("train_data_path", str(c.trainDataPath()));
        m.put("task_type", c.taskType().name());
        m.put("eval_data_path", str(c.evalDataPath()));
        m.put("eval_prompts", c.evalPrompts());
        m.put("custom_weights_path", str(c.customWeightsPath()));
        m.put("training_duration", c.trainingDuration().toString());
        m.put("learning_rate", c.learningRate());
        m.put("context_length", c.contextLength());
        m.put("validate_inputs", c.validateInputs());
        m.put("register_to", str(c.registerTo()));
        m.put("experiment_path", str(c.experimentPath()));
        m.put("seed", c.seed());
        m.put("micro_batch_size", c.microBatchSize());
        m.put("global_batch_size", c.globalBatchSize());
        m.put("eval_batch_size", c.evalBatchSize());
        Map<String, Object> opt = new LinkedHashMap<>();
        opt.put("name", c.optimizer().name());
        opt.put("betas", c.optimizer().betas());
        opt.put("weight_decay", c.optimizer().weightDecay());
        if (c.optimizer().eps() != null) {
            opt.put("eps", c.optimizer().eps());
        }
        m.put("optimizer", opt);
        Map<String, Object> sch = new LinkedHashMap<>();
        sch.put("name", c.scheduler().name());
        sch.put("t_warmup", c.scheduler().tWarmup().toString());
        sch.put("alpha_i", c.scheduler().alphaI());
        sch.put("alpha_f", c.scheduler().alphaF());
        m.put("scheduler", sch);
        m.put("gradient_clip_val", c.gradientClipVal());
        if (c.lora() != null) {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("r", c.lora().r());
            l.put("alpha", c.lora().alpha());
            l.put("dropout", c.lora().dropout());
            l.put("target_modules", c.lora().targetModules());
            l.put("use_rslora", c.lora().useRslora());
            l.put("loraplus_lr_ratio", c.lora().loraplusLrRatio());
            m.put("lora", l);
        } else {
            m.put("lora", null);
        }
        m.put("int8_quantization", c.int8Quantization());
        m.put("activation_checkpointing", c.memory().activationCheckpointing());
        m.put("master_weights", c.memory().masterWeights());
        m.put("optimizer_in_backward", c.memory().optimizerInBackward());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("hidden", c.dropout().hidden());
        d.put("attention", c.dropout().attention());
        d.put("ffn", c.dropout().ffn());
        m.put("dropout", d);
        m.put("precision", c.precision().name().toLowerCase(Locale.ROOT));
        m.put("device", c.device());
        m.put("packing", c.packing());
        m.put("target_prompts", c.targetPrompts());
        m.put("target_responses", c.targetResponses());
        m.put("save_interval", c.saveInterval().toString());
        m.put("save_num_checkpoints_to_keep", c.saveNumCheckpointsToKeep());
        m.put("autoresume", c.autoresume());
        m.put("max_train_samples", c.maxTrainSamples());
        m.put("max_val_samples", c.maxValSamples());
        m.put("validation_split_ratio", c.validationSplitRatio());
        m.put("train_data_split_seed", c.trainDataSplitSeed());
        m.put("allow_percentage_invalid_samples", c.allowPercentageInvalidSamples());
        if (c.earlyStopping() != null) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("patience", c.earlyStopping().patience());
            e.put("min_delta", c.earlyStopping().minDelta());
            m.put("early_stopping", e);
        } else {
            m.put("early_stopping", null);
        }
        m.put("eval_interval", c.evalInterval().toString());
        m.put("log_interval", c.logInterval().toString());
        m.put("progress", c.progress().name().toLowerCase(Locale.ROOT));
        m.put("preprocessing_num_workers", c.preprocessingNumWorkers());
        m.put("allow_partial_weights", c.allowPartialWeights());
        if (c.saveTopK() != null) {
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("k", c.saveTopK().k());
            k.put("monitor", c.saveTopK().monitor());
            k.put("mode", c.saveTopK().mode());
            m.put("save_top_k", k);
        } else {
            m.put("save_top_k", null);
        }
        m.put("save_weights_only", c.saveWeightsOnly());
        m.put("dist_timeout", c.distTimeout());
        m.put("fsdp", Map.of("sharding", c.fsdpSharding()));
        return m;
    }

    private static String str(Path p) {
        return p == null ? null : p.toString();
    }
}
