package dev.finetune4j.engine.model.arch;

import dev.finetune4j.engine.model.ConfigException;

/**
 * A sparse MoE block's shape (Mixtral's config.json keys).
 *
 * @param numLocalExperts    {@code num_local_experts}
 * @param numExpertsPerTok   {@code num_experts_per_tok} (top-k)
 * @param routerAuxLossCoef  {@code router_aux_loss_coef}
 * @param outputRouterLogits {@code output_router_logits}: add the load-balancing loss when training
 */
public record MoeShape(int numLocalExperts, int numExpertsPerTok, double routerAuxLossCoef,
                       boolean outputRouterLogits) {

    public MoeShape {
        if (numLocalExperts < 1) {
            throw new ConfigException("config.json num_local_experts = " + numLocalExperts + " is out of range; "
                    + "allowed: 1 or more");
        }
        if (numExpertsPerTok < 1 || numExpertsPerTok > numLocalExperts) {
            throw new ConfigException("config.json num_experts_per_tok = " + numExpertsPerTok + " is out of range; "
                    + "allowed: 1.." + numLocalExperts + " (num_local_experts)");
        }
        if (!(routerAuxLossCoef >= 0 && Double.isFinite(routerAuxLossCoef))) {
            throw new ConfigException("config.json router_aux_loss_coef = " + routerAuxLossCoef + " is out of "
                    + "range; allowed: a finite number >= 0");
        }
    }
}
