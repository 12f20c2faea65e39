package dev.finetune4j.engine.optim;

import java.util.List;

/**
 * The optimizers a run can name, in one place: their configuration names, which take an {@code eps}, and how each is
 * created (docs/training.md §3). Each {@link Optimizer} itself knows its Composer name and param-group defaults.
 */
public final class Optimizers {
    /** Configuration names, in documentation order. */
    public static final List<String> NAMES = List.of("decoupled_lionw", "adamw");
    /** Also accepted: Composer's class name spelled as a configuration name. */
    private static final String ADAMW_ALIAS = "decoupled_adamw";
    /** Composer's DecoupledAdamW default ε. */
    public static final double DEFAULT_EPS = 1e-8;

    private Optimizers() {
    }

    /** Whether {@code name} is an optimizer this engine has. */
    public static boolean isKnown(String name) {
        return NAMES.contains(name) || ADAMW_ALIAS.equals(name);
    }

    /** Whether the named optimizer takes an {@code eps} (AdamW does, Lion has none). */
    public static boolean takesEps(String name) {
        return "adamw".equals(name) || ADAMW_ALIAS.equals(name);
    }

    /**
     * A new optimizer over {@code groups}.
     *
     * @param eps ignored by optimizers without one
     * @throws OptimizerException for an unknown name or out-of-range betas/eps
     */
    public static Optimizer create(String name, List<ParameterGroup> groups, double beta1, double beta2, double eps) {
        if ("decoupled_lionw".equals(name)) {
            return new DecoupledLionW(groups, beta1, beta2);
        }
        if (takesEps(name)) {
            return new DecoupledAdamW(groups, beta1, beta2, eps);
        }
        throw new OptimizerException("optimizer '" + name + "' is not supported; allowed: " + String.join(", ", NAMES));
    }
}
