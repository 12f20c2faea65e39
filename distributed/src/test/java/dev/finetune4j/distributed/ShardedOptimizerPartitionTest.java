package dev.finetune4j.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.finetune4j.engine.model.TrainableParameter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** ZeRO-1's deal of the trainable tensors: disjoint, complete, balanced, the same on every rank. */
class ShardedOptimizerPartitionTest {

    @Test
    void dealIsDisjointCompleteAndBalanced() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<TrainableParameter> params = new ArrayList<>();
            long total = 0;
            for (int i = 0; i < 20; i++) {
                int n = 1000 + 37 * i;
                params.add(new TrainableParameter("p" + i, m.zeros(new Shape(n)), TrainableParameter.Group.BASE));
                total += n;
            }
            for (int world : new int[] {2, 3}) {
                Set<String> seen = new HashSet<>();
                for (int r = 0; r < world; r++) {
                    Set<String> mine = ShardedOptimizer.partition(params, r, world);
                    long elements = params.stream().filter(p -> mine.contains(p.name())).mapToLong(p -> p.array()
                            .size()).sum();
                    // each rank holds about 1/world of the state: within one tensor of the even share
                    assertTrue(Math.abs(elements - total / (double) world) <= 1000 + 37 * 19,
                            "rank " + r + " of " + world + " holds " + elements + " of " + total);
                    for (String n : mine) {
                        assertTrue(seen.add(n), n + " dealt twice");
                    }
                    assertEquals(mine, ShardedOptimizer.partition(new ArrayList<>(params), r, world));
                }
                assertEquals(params.size(), seen.size());
            }
        }
    }
}
