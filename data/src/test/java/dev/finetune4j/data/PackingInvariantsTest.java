package dev.finetune4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.RepetitionInfo;

/** Packing on random inputs: nothing lost or duplicated, rows within capacity, positions/boundaries consistent. */
class PackingInvariantsTest {

    /** A random corpus whose token ids encode (example, offset) so every token can be traced back. */
    static MemoryCorpus randomCorpus(SplittableRandom rnd, int n, int capacity, List<int[]> idsOut, List<int[]> labelsOut) {
        MemoryCorpus corpus = new MemoryCorpus();
        for (int e = 0; e < n; e++) {
            int len = 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(capacity) : rnd.nextInt(Math.max(1, capacity / 4)));
            int[] ids = new int[len];
            int[] labels = new int[len];
            for (int t = 0; t < len; t++) {
                ids[t] = e * 100_000 + t;
                labels[t] = t > 0 && rnd.nextBoolean() ? ids[t] : Batch.IGNORE_INDEX;
            }
            corpus.add(ids, labels);
            idsOut.add(ids);
            labelsOut.add(labels);
        }
        return corpus;
    }

    @RepeatedTest(20)
    void packingKeepsEveryTokenOnceAndRespectsCapacity(RepetitionInfo info) {
        SplittableRandom rnd = new SplittableRandom(info.getCurrentRepetition());
        int capacity = 8 + rnd.nextInt(300);
        int n = 1 + rnd.nextInt(400);
        List<int[]> ids = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        MemoryCorpus corpus = randomCorpus(rnd, n, capacity, ids, labels);
        int[] examples = new int[n];
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            examples[i] = i;
            lengths[i] = corpus.length(i);
        }
        PackPlan plan = Packer.firstFitDecreasing(examples, lengths, capacity);
        PackedDataset ds = new PackedDataset(corpus, plan, capacity, -1, false);

        Map<Integer, Integer> seen = new HashMap<>();
        long totalLen = 0;
        for (int r = 0; r < ds.rows(); r++) {
            PackedRow row = ds.row(r);
            assertTrue(row.length() <= capacity, "row over capacity");
            assertEquals(0, row.cuSeqlens()[0]);
            assertEquals(row.length(), row.cuSeqlens()[row.documents()]);
            for (int d = 0; d < row.documents(); d++) {
                int from = row.cuSeqlens()[d];
                int to = row.cuSeqlens()[d + 1];
                assertTrue(to > from, "empty document in row");
                int ex = row.inputIds()[from] / 100_000;
                assertEquals(to - from, ids.get(ex).length, "a document was split");
                assertEquals(Batch.IGNORE_INDEX, row.labels()[from], "first label of a document must be -100");
                for (int t = from; t < to; t++) {
                    assertEquals(t - from, row.positionIds()[t], "positions restart per document");
                    assertEquals(ids.get(ex)[t - from], row.inputIds()[t]);
                    assertEquals(labels.get(ex)[t - from], row.labels()[t]);
                }
                seen.merge(ex, 1, Integer::sum);
            }
            totalLen += row.length();
        }
        assertEquals(n, seen.size(), "an example was lost");
        seen.values().forEach(c -> assertEquals(1, c, "an example was duplicated"));
        assertEquals(corpus.totalTokens(), totalLen);
        assertEquals(corpus.totalTokens(), ds.tokens());
    }

    @RepeatedTest(10)
    void firstFitDecreasingMatchesANaiveImplementation(RepetitionInfo info) {
        SplittableRandom rnd = new SplittableRandom(1000 + info.getCurrentRepetition());
        int capacity = 16 + rnd.nextInt(100);
        int n = 1 + rnd.nextInt(300);
        int[] lengths = new int[n];
        int[] examples = new int[n];
        for (int i = 0; i < n; i++) {
            lengths[i] = 1 + rnd.nextInt(capacity);
            examples[i] = 1000 + i;
        }
        PackPlan plan = Packer.firstFitDecreasing(examples, lengths, capacity);
        // naive FFD: stable sort descending, linear scan for the first fitting bin
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        order.sort((a, b) -> Integer.compare(lengths[b], lengths[a]));
        List<List<Integer>> bins = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (int i : order) {
            int b = 0;
            while (b < bins.size() && sizes.get(b) + lengths[i] > capacity) {
                b++;
            }
            if (b == bins.size()) {
                bins.add(new ArrayList<>());
                sizes.add(0);
            }
            bins.get(b).add(examples[i]);
            sizes.set(b, sizes.get(b) + lengths[i]);
        }
        assertEquals(bins.size(), plan.rows());
        for (int r = 0; r < plan.rows(); r++) {
            int[] expected = bins.get(r).stream().mapToInt(Integer::intValue).toArray();
            int[] actual = new int[plan.documents(r)];
            for (int i = 0; i < actual.length; i++) {
                actual[i] = plan.member(r, i);
            }
            assertArrayEquals(expected, actual, "row " + r);
        }
    }

    @Test
    void batchPadsWithIgnoreLabelsAndCountsTokens() {
        MemoryCorpus corpus = new MemoryCorpus();
        corpus.add(new int[] {5, 6, 7}, new int[] {-100, 6, 7});
        corpus.add(new int[] {8, 9}, new int[] {-100, 9});
        corpus.add(new int[] {10, 11, 12, 13, 14}, new int[] {10, -100, 12, 13, -100});
        PackPlan plan = Packer.firstFitDecreasing(new int[] {0, 1, 2}, new int[] {3, 2, 5}, 8);
        PackedDataset ds = new PackedDataset(corpus, plan, 8, 0, false);
        assertEquals(2, ds.rows()); // [5-token, 3-token] and [2-token]
        Batch b = ds.batch(new int[] {0, 1});
        assertEquals(8, b.seqLen());
        assertArrayEquals(new int[] {10, 11, 12, 13, 14, 5, 6, 7, 8, 9, 0, 0, 0, 0, 0, 0}, b.inputIds());
        assertArrayEquals(new int[] {-100, -100, 12, 13, -100, -100, 6, 7, -100, 9, -100, -100, -100, -100, -100, -100}, b.labels());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 0, 1, 2, 0, 1, 0, 0, 0, 0, 0, 0}, b.positionIds());
        assertArrayEquals(new int[] {0, 5, 8}, b.cuSeqlens()[0]);
        assertArrayEquals(new int[] {0, 2}, b.cuSeqlens()[1]);
        assertEquals(10, b.tokens());
        assertEquals(5, b.lossTokens());
        assertEquals(1 - 10.0 / 16, ds.paddingFraction(), 1e-12);
    }
}
