package dev.finetune4j.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.engine.model.DropoutOptions;
import dev.finetune4j.engine.optim.Optimizers;
import dev.finetune4j.engine.schedule.Schedulers;
import dev.finetune4j.engine.schedule.Time;
import dev.finetune4j.engine.schedule.TimeUnit;
import dev.finetune4j.engine.train.TrainingSpec.EarlyStoppingSpec;
import java.util.List;

/** Binds the nested blocks of a run configuration: optimizer, scheduler, lora, early_stopping, dropout. */
final class ConfigBlocks {
    private ConfigBlocks() {
    }

    static Section sub(Section parent, String key, List<String> known, ConfigOrigin origin) {
        ObjectNode node = parent.mapping(key);
        return node == null ? null : new Section(node, key, origin, known, RunConfigLoader.ALL_DOTTED);
    }

    static OptimizerConfig optimizer(Section top, ConfigOrigin origin) {
        OptimizerConfig d = OptimizerConfig.defaults();
        Section s = sub(top, "optimizer", RunConfigLoader.OPTIMIZER_KEYS, origin);
        if (s == null) {
            return d;
        }
        String name = s.choice("name", OptimizerConfig.NAMES, d.name());
        List<Double> betas = s.numbers("betas", d.betas());
        if (betas.size() != 2 || betas.stream().anyMatch(b -> b < 0 || b > 1)) {
            throw s.error("betas", "expected a list of 2 numbers in [0, 1], got " + betas);
        }
        double wd = s.number("weight_decay", 0, 0, false, Double.POSITIVE_INFINITY, false);
        Double eps = s.optionalNumber("eps", 0, true, Double.POSITIVE_INFINITY, false);
        if (Optimizers.takesEps(name)) {
            eps = eps == null ? Optimizers.DEFAULT_EPS : eps;
        } else if (eps != null) {
            throw s.error("eps", "applies only to adamw; decoupled_lionw has no epsilon");
        }
        return new OptimizerConfig(name, betas, wd, eps);
    }

    static SchedulerConfig scheduler(Section top, ConfigOrigin origin, double lr) {
        SchedulerConfig d = SchedulerConfig.defaults();
        Section s = sub(top, "scheduler", RunConfigLoader.SCHEDULER_KEYS, origin);
        if (s == null) {
            return d;
        }
        String name = s.choice("name", Schedulers.NAMES, d.name());
        Time warmup;
        if (s.has("warmup_steps")) {
            if (s.has("t_warmup")) {
                throw s.error("warmup_steps", "give either t_warmup or its alias warmup_steps, not both");
            }
            warmup = Time.of(s.integer("warmup_steps", 0, 0, Long.MAX_VALUE), TimeUnit.BATCH);
        } else {
            warmup = s.time("t_warmup", d.tWarmup().toString(), RunConfigLoader.WARMUP_UNITS, false);
            if (warmup.unit() == TimeUnit.DURATION && warmup.value() > 1) {
                s.checkRange("t_warmup", warmup.value(), 0, false, 1, false);
            }
        }
        double alphaI = s.number("alpha_i", d.alphaI(), 0, false, Double.POSITIVE_INFINITY, false);
        double alphaF;
        if (s.has("min_lr")) {
            if (s.has("alpha_f")) {
                throw s.error("min_lr", "give either alpha_f or min_lr (alpha_f = min_lr / learning_rate), not"
                        + " both");
            }
            double minLr = s.number("min_lr", 0, 0, false, lr, false);
            alphaF = minLr / lr;
        } else {
            alphaF = s.number("alpha_f", d.alphaF(), 0, false, Double.POSITIVE_INFINITY, false);
        }
        return new SchedulerConfig(name, warmup, alphaI, alphaF);
    }

    static LoraConfig lora(Section top, ConfigOrigin origin) {
        Section s = sub(top, "lora", RunConfigLoader.LORA_KEYS, origin);
        if (s == null) {
            return null;
        }
        LoraConfig d = LoraConfig.defaults();
        int r = (int) s.integer("r", d.r(), 1, 65536);
        double alpha = s.number("alpha", d.alpha(), 0, true, Double.POSITIVE_INFINITY, false);
        double dropout = s.number("dropout", d.dropout(), 0, false, 1, true);
        List<String> modules = s.strings("target_modules", d.targetModules());
        if (modules.isEmpty() || modules.stream().anyMatch(String::isBlank)) {
            throw s.error("target_modules", "expected a non-empty list of module names such as q_proj, v_proj");
        }
        boolean rs = s.bool("use_rslora", false);
        Double ratio = s.optionalNumber("loraplus_lr_ratio", 0, true, Double.POSITIVE_INFINITY, false);
        return new LoraConfig(r, alpha, dropout, modules, rs, ratio);
    }

    static EarlyStoppingSpec earlyStopping(Section top, ConfigOrigin origin) {
        Section s = sub(top, "early_stopping", RunConfigLoader.EARLY_STOPPING_KEYS, origin);
        if (s == null) {
            return null;
        }
        int patience = (int) s.integer("patience", 3, 1, Integer.MAX_VALUE);
        double minDelta = s.number("min_delta", 0, 0, false, Double.POSITIVE_INFINITY, false);
        return new EarlyStoppingSpec(patience, minDelta);
    }

    /** {@code save_top_k: N} (val_loss, min) or {@code save_top_k: {k, monitor, mode}}; -1 or absent: off. */
    static SaveTopKConfig saveTopK(Section top, ConfigOrigin origin) {
        com.fasterxml.jackson.databind.JsonNode raw = top.raw("save_top_k");
        if (raw == null) {
            return null;
        }
        if (!raw.isObject()) {
            Long k = top.integer("save_top_k");
            if (k == -1) {
                return null;
            }
            if (k < 1 || k > Integer.MAX_VALUE) {
                throw top.error("save_top_k", "value " + k + " is out of range; allowed: >= 1, or -1 (off)");
            }
            return new SaveTopKConfig(k.intValue(), "val_loss", "min");
        }
        Section s = sub(top, "save_top_k", RunConfigLoader.SAVE_TOP_K_KEYS, origin);
        if (!s.has("k")) {
            s.requiredString("k");
        }
        int k = (int) s.integer("k", 1, 1, Integer.MAX_VALUE);
        String monitor = s.choice("monitor", SaveTopKConfig.MONITORS, "val_loss");
        String mode = s.choice("mode", SaveTopKConfig.MODES, "min");
        return new SaveTopKConfig(k, monitor, mode);
    }

    /** {@code fsdp.sharding}: {@code none} or {@code optimizer} (ZeRO-1: optimizer state sharded across ranks). */
    static String fsdpSharding(Section top, ConfigOrigin origin) {
        Section s = sub(top, "fsdp", RunConfigLoader.FSDP_KEYS, origin);
        return s == null ? "none" : s.choice("sharding", List.of("none", "optimizer"), "none");
    }

    static DropoutOptions dropout(Section top, ConfigOrigin origin) {
        Section s = sub(top, "dropout", RunConfigLoader.DROPOUT_KEYS, origin);
        if (s == null) {
            return DropoutOptions.NONE;
        }
        return new DropoutOptions(s.number("hidden", 0, 0, false, 1, true), s.number("attention", 0, 0, false, 1,
                true), s.number("ffn", 0, 0, false, 1, true));
    }
}
