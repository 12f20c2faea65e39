package dev.finetune4j.engine.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The trainable parameters grouped the way a layer-by-layer backward completes them: the embedding block, one block
 * per decoder layer, and the head block (final norm and an untied LM head). Their concatenation in this order is
 * {@link CausalLm#trainableParameters()}.
 */
record ParameterBlocks(List<TrainableParameter> embedding, List<List<TrainableParameter>> layers,
                       List<TrainableParameter> head) {

    List<TrainableParameter> all() {
        List<TrainableParameter> out = new ArrayList<>(embedding);
        layers.forEach(out::addAll);
        out.addAll(head);
        return out;
    }
}
