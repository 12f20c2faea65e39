package dev.finetune4j.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.engine.model.TinyModels;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class GeneratorTest {

    /** Greedy decoding by re-running the whole sequence each step (no cache). */
    private static int[] greedyWithoutCache(CausalLm m, int[] prompt, int steps) {
        int[] seq = prompt.clone();
        for (int s = 0; s < steps; s++) {
            try (NDScope scope = new NDScope()) {
                NDArray logits = m.logits(TinyModels.plain(seq), false);
                int next = (int) logits.get(new NDIndex("0, -1")).argMax().getLong();
                seq = Arrays.copyOf(seq, seq.length + 1);
                seq[seq.length - 1] = next;
            }
        }
        return Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    @Test
    void kvCacheGreedyEqualsFullRecomputation() {
        int[] prompt = {5, 17, 42, 9};
        try (CausalLm m = CausalLm.random(TinyModels.llama(), ModelOptions.cpu())) {
            int[] cached = new Generator(m).generate(prompt, GenerationOptions.greedy(8, List.of()));
            assertArrayEquals(greedyWithoutCache(m, prompt, 8), cached);
        }
    }

    @Test
    void slidingWindowCacheEqualsFullRecomputation() {
        ObjectNode j = TinyModels.json("mistral");
        j.put("sliding_window", 3);
        try (CausalLm m = CausalLm.random(ModelConfig.fromJson(j), ModelOptions.cpu())) {
            int[] prompt = {5, 17, 42, 9, 11};
            int[] cached = new Generator(m).generate(prompt, GenerationOptions.greedy(6, List.of()));
            assertArrayEquals(greedyWithoutCache(m, prompt, 6), cached);
        }
    }

    @Test
    void stopsAtEosAndSamplingIsSeeded() {
        int[] prompt = {5, 17, 42};
        try (CausalLm m = CausalLm.random(TinyModels.llama(), ModelOptions.cpu())) {
            int[] greedy = new Generator(m).generate(prompt, GenerationOptions.greedy(6, List.of()));
            int eos = greedy[2];
            int[] stopped = new Generator(m).generate(prompt, GenerationOptions.greedy(6, List.of(eos)));
            int firstEos = 0;
            while (greedy[firstEos] != eos) {
                firstEos++;
            }
            assertArrayEquals(Arrays.copyOf(greedy, firstEos + 1), stopped);
            GenerationOptions o = new GenerationOptions(10, true, 0.8, 20, 0.95, 123, List.of());
            int[] a = new Generator(m).generate(prompt, o);
            int[] b = new Generator(m).generate(prompt, o);
            assertArrayEquals(a, b);
            assertEquals(10, a.length);
            for (int t : a) {
                assertTrue(t >= 0 && t < 101);
            }
        }
    }
}
