package dev.finetune4j.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Warpers against distributions computed by hand. */
class LogitsWarpersTest {

    private static final double NEG = Double.NEGATIVE_INFINITY;

    @Test
    void topKKeepsTiesAtTheKthValue() {
        double[] s = {1, 3, 2, 3, 0};
        LogitsWarpers.topK(s, 1);
        assertArrayEquals(new double[] {NEG, 3, NEG, 3, NEG}, s);
        double[] t = {1, 3, 2, 3, 0};
        LogitsWarpers.topK(t, 3);
        assertArrayEquals(new double[] {NEG, 3, 2, 3, NEG}, t);
    }

    @Test
    void topPRemovesTheLowTail() {
        // probs of ln(p): 0.5, 0.3, 0.15, 0.05 → ascending cum 0.05, 0.20, 0.50, 1.0
        double[] s = {Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)};
        double[] a = s.clone();
        LogitsWarpers.topP(a, 0.75);         // remove cum <= 0.25: 0.05 and 0.15
        assertArrayEquals(new double[] {s[0], s[1], NEG, NEG}, a);
        double[] b = s.clone();
        LogitsWarpers.topP(b, 0.1);          // remove cum <= 0.9: all but the top token
        assertArrayEquals(new double[] {s[0], NEG, NEG, NEG}, b);
    }

    @Test
    void temperatureThenTopKThenTopPInHfOrder() {
        double[] scores = {2.0, 1.0, 0.0, -1.0};
        GenerationOptions o = new GenerationOptions(1, true, 0.5, 3, 0.9, 0, List.of());
        double[] d = LogitsWarpers.distribution(scores, o);
        // T=0.5 → 4, 2, 0, -2; top-3 drops -2; softmax over {4,2,0}: e^4, e^2, 1 → p = .8668, .1173, .0159
        // top-p 0.9: ascending cum .0159, .1332, 1 → remove cum <= 0.1: the 0 entry
        double z = Math.exp(4) + Math.exp(2);
        assertArrayEquals(new double[] {Math.exp(4) / z, Math.exp(2) / z, 0, 0}, d, 1e-12);
    }

    @Test
    void samplingFollowsTheDistribution() {
        double[] probs = {0.2, 0, 0.5, 0.3};
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(1);
        int[] counts = new int[4];
        for (int i = 0; i < 20000; i++) {
            counts[Generator.sample(probs, rnd)]++;
        }
        assertEquals(0, counts[1]);
        assertEquals(0.2, counts[0] / 20000.0, 0.015);
        assertEquals(0.5, counts[2] / 20000.0, 0.015);
    }
}
