package dev.finetune4j.engine.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.engine.lora.LoraOptions;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.engine.model.ModelOptions;
import org.junit.jupiter.api.Test;

/** Exact parameter counts of published models (their config.json values) and the Llama-3.1-8B budgets. */
class MemoryPlannerTest {

    static ModelConfig config(String type, int vocab, int hidden, int inter, int layers, int heads, int kv,
                              boolean tied) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("model_type", type);
        o.put("vocab_size", vocab);
        o.put("hidden_size", hidden);
        o.put("intermediate_size", inter);
        o.put("num_hidden_layers", layers);
        o.put("num_attention_heads", heads);
        o.put("num_key_value_heads", kv);
        o.put("max_position_embeddings", 131072);
        o.put("rms_norm_eps", 1e-5);
        o.put("tie_word_embeddings", tied);
        return ModelConfig.fromJson(o);
    }

    static ModelConfig llama31_8b() {
        return config("llama", 128256, 4096, 14336, 32, 32, 8, false);
    }

    private static long params(ModelConfig c) {
        return MemoryPlanner.estimate(new PlanInput(c, 1, 16, false, false, null, false, false, false, false, false))
                .parameters();
    }

    @Test
    void parameterCountsAreExact() {
        assertEquals(8_030_261_248L, params(llama31_8b()));
        assertEquals(1_235_814_400L, params(config("llama", 128256, 2048, 8192, 16, 32, 8, true)));    // 3.2-1B
        assertEquals(3_212_749_824L, params(config("llama", 128256, 3072, 8192, 28, 24, 8, true)));    // 3.2-3B
        assertEquals(7_241_732_096L, params(config("mistral", 32000, 4096, 14336, 32, 32, 8, false))); // 7B-v0.1
        assertEquals(7_615_616_512L, params(config("qwen2", 152064, 3584, 18944, 28, 28, 4, false)));  // Qwen2-7B
        assertEquals(494_032_768L, params(config("qwen2", 151936, 896, 4864, 24, 14, 2, true)));       // Qwen2-0.5B
    }

    @Test
    void countsMatchABuiltModelAndItsTrainableParameters() {
        ModelConfig c = config("qwen2", 97, 32, 48, 2, 4, 2, false);
        LoraOptions lora = LoraOptions.of(4, 8, 0.0, LoraOptions.ALL_LINEAR);
        try (CausalLm m = CausalLm.random(c, ModelOptions.cpu().withLora(lora))) {
            MemoryPlan p = MemoryPlanner.estimate(new PlanInput(c, 1, 16, false, false, lora, false, false, false,
                    false, false));
            assertEquals(m.parameterCount(), p.parameters());
            long trainable = m.trainableParameters().stream().mapToLong(t -> t.array().size()).sum();
            assertEquals(trainable, p.trainableParameters());
        }
    }

    @Test
    void llama31At8kFitsTheDocumentedBudgets() {
        ModelConfig c = llama31_8b();
        PlanInput full = new PlanInput(c, 1, 8192, true, true, null, false, false, true, true, true);
        long gb = 1L << 30; // GB as GPUs report them (GiB)
        MemoryPlan fullPlan = MemoryPlanner.estimate(full);
        assertTrue(fullPlan.total() <= 80 * gb, "full fine-tune " + fullPlan.total());
        MemoryPlan plainFull = MemoryPlanner.estimate(new PlanInput(c, 1, 8192, true, false, null, false, false,
                false, false, true));
        assertTrue(plainFull.total() > 80 * gb, "fp32 full fine-tune without the new keys should not fit");
        LoraOptions r16 = MemoryPlanner.suggestedLora();
        MemoryPlan lora = MemoryPlanner.estimate(full.withLora(r16, false).withInBackward(false));
        assertTrue(lora.total() <= 24 * gb, "LoRA r=16 " + lora.total());
        MemoryPlan int8 = MemoryPlanner.estimate(full.withLora(r16, true).withInBackward(false));
        assertTrue(int8.total() <= 16 * gb, "LoRA + int8 " + int8.total());
        assertTrue(int8.total() < lora.total() && lora.total() < fullPlan.total());
        assertTrue(fullPlan.activationsCheckpointed() < fullPlan.activationsPlain() / 4);
    }
}
