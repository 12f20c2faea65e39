package dev.finetune4j.engine.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.engine.model.ModelConfig;
import org.junit.jupiter.api.Test;

/** {@code plan} for Gemma 2: the published parameter count and the soft-capped attention's materialised scores. */
class Gemma2PlanTest {

    /** google/gemma-2-2b's config.json sizes (the rest are Gemma 2's defaults). */
    private static ObjectNode gemma2b() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("model_type", "gemma2");
        o.put("vocab_size", 256000);
        o.put("hidden_size", 2304);
        o.put("intermediate_size", 9216);
        o.put("num_hidden_layers", 26);
        o.put("num_attention_heads", 8);
        o.put("num_key_value_heads", 4);
        o.put("head_dim", 256);
        return o;
    }

    private static MemoryPlan plan(ModelConfig c, boolean bf16) {
        return MemoryPlanner.estimate(new PlanInput(c, 2, 512, bf16, false, null, false, false, false, false, false));
    }

    @Test
    void gemma2bHasItsPublishedParameterCount() {
        // 26 layers × (q, k, v, o, gate, up, down + 4 norms) + tied embedding + final norm
        assertEquals(2_614_341_888L, plan(ModelConfig.fromJson(gemma2b()), false).parameters());
    }

    @Test
    void softcappedScoresAreCountedPerLayer() {
        ModelConfig capped = ModelConfig.fromJson(gemma2b());
        ObjectNode none = gemma2b();
        none.putNull("attn_logit_softcapping");
        ModelConfig uncapped = ModelConfig.fromJson(none);
        for (boolean bf16 : new boolean[] {false, true}) {
            long scores = 2L * 8 * 512 * 512 * 8;   // batch × heads × seq² × (tanh output + softmax output + cast)
            assertEquals(scores, MemoryPlanner.softcapScoreBytes(capped, new PlanInput(capped, 2, 512, bf16, false,
                    null, false, false, false, false, false)));
            assertEquals(26 * scores, plan(capped, bf16).activationsPlain() - plan(uncapped, bf16).activationsPlain());
        }
    }
}
