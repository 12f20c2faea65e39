package dev.finetune4j.engine.optim;

import dev.finetune4j.engine.model.TrainableParameter;
import java.util.List;

/**
 * Parameters sharing a learning rate and weight decay. {@code initialLr} is the lr at construction (Composer/
 * llm-foundry set {@code group['initial_lr'] = group['lr']}); the scheduler changes {@link #lr()} and decoupled decay
 * is scaled by {@code lr / initialLr}.
 */
public final class ParameterGroup {

    private final String name;
    private final List<TrainableParameter> params;
    private final double initialLr;
    private final double weightDecay;
    private double lr;

    public ParameterGroup(String name, List<TrainableParameter> params, double lr, double weightDecay) {
        if (!(lr > 0)) {
            throw new OptimizerException("learning rate of parameter group '" + name + "' must be > 0, got " + lr);
        }
        if (!(weightDecay >= 0)) {
            throw new OptimizerException("weight_decay of parameter group '" + name + "' must be >= 0, got "
                    + weightDecay);
        }
        this.name = name;
        this.params = List.copyOf(params);
        this.lr = lr;
        this.initialLr = lr;
        this.weightDecay = weightDecay;
    }

    public String name() {
        return name;
    }

    public List<TrainableParameter> params() {
        return params;
    }

    public double lr() {
        return lr;
    }

    /** Sets the current learning rate (0 is allowed: Composer's warmup starts there). */
    public void setLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new OptimizerException("learning rate of parameter group '" + name + "' must be >= 0, got " + lr);
        }
        this.lr = lr;
    }

    public double initialLr() {
        return initialLr;
    }

    public double weightDecay() {
        return weightDecay;
    }

    /** The multiplicative decay of this step: {@code 1 - (lr/initialLr)·wd} (docs/training.md §3.1). */
    double decayFactor() {
        if (weightDecay == 0) {
            return 1.0;
        }
        double scale = initialLr != 0 ? lr / initialLr : 1.0;
        return 1 - scale * weightDecay;
    }
}
