package dev.finetune4j.engine.optim;

import dev.finetune4j.engine.model.TrainableParameter;
import java.util.ArrayList;
import java.util.List;

/** Builds parameter groups from a model's trainable parameters. */
public final class ParameterGroups {

    private ParameterGroups() {
    }

    /** One group with every parameter. */
    public static List<ParameterGroup> single(List<TrainableParameter> params, double lr, double weightDecay) {
        return List.of(new ParameterGroup("default", params, lr, weightDecay));
    }

    /**
     * LoRA+ (docs/training.md §8): {@code lora_B} parameters get {@code lr · ratio}, everything else {@code lr}.
     * A ratio of 1 (or no lora_B parameters) gives a single group.
     */
    public static List<ParameterGroup> loraPlus(List<TrainableParameter> params, double lr, double weightDecay,
                                                double ratio) {
        if (!(ratio > 0)) {
            throw new OptimizerException("loraplus_lr_ratio must be > 0, got " + ratio);
        }
        List<TrainableParameter> a = new ArrayList<>();
        List<TrainableParameter> b = new ArrayList<>();
        for (TrainableParameter p : params) {
            (p.group() == TrainableParameter.Group.LORA_B ? b : a).add(p);
        }
        if (ratio == 1.0 || b.isEmpty()) {
            return single(params, lr, weightDecay);
        }
        List<ParameterGroup> groups = new ArrayList<>();
        if (!a.isEmpty()) {
            groups.add(new ParameterGroup("default", a, lr, weightDecay));
        }
        groups.add(new ParameterGroup("lora_B", b, lr * ratio, weightDecay));
        return groups;
    }
}
