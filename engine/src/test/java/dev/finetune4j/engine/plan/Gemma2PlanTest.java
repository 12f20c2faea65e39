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
    void gemma2_9bConfigAsPublishedLoadsWithItsParameterCount() throws Exception {
        // google/gemma-2-9b's config.json, every key as published
        ObjectNode o = (ObjectNode) new ObjectMapper().readTree("{\"architectures\": [\"Gemma2ForCausalLM\"],"
                + " \"attention_bias\": false, \"attention_dropout\": 0.0, \"attn_logit_softcapping\": 50.0,"
                + " \"bos_token_id\": 2, \"cache_implementation\": \"hybrid\", \"eos_token_id\": 1,"
                + " \"final_logit_softcapping\": 30.0, \"head_dim\": 256, \"hidden_act\": \"gelu_pytorch_tanh\","
                + " \"hidden_activation\": \"gelu_pytorch_tanh\", \"hidden_size\": 3584, \"initializer_range\": 0.02,"
                + " \"intermediate_size\": 14336, \"max_position_embeddings\": 8192, \"model_type\": \"gemma2\","
                + " \"num_attention_heads\": 16, \"num_hidden_layers\": 42, \"num_key_value_heads\": 8,"
                + " \"pad_token_id\": 0, \"query_pre_attn_scalar\": 256, \"rms_norm_eps\": 1e-06,"
                + " \"rope_theta\": 10000.0, \"sliding_window\": 4096, \"sliding_window_size\": 4096,"
                + " \"torch_dtype\": \"float32\", \"transformers_version\": \"4.42.0.dev0\", \"use_cache\": true,"
                + " \"vocab_size\": 256000}");
        ModelConfig c = ModelConfig.fromJson(o);
        assertEquals(9_241_705_984L, plan(c, true).parameters());
        assertEquals(4096, c.slidingWindowFor(40));
        assertEquals(0, c.slidingWindowFor(41));
        assertEquals(1 / 16.0, c.attentionScale(), 0.0);
        assertEquals(50.0, c.family().attnLogitSoftcapping(), 0.0);
        assertEquals(30.0, c.family().finalLogitSoftcapping(), 0.0);
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
