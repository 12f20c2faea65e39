package dev.finetune4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Seeded shuffling, epoch coverage and exact O(1) resume of the {@link Loader}. */
class LoaderTest {

    static PackedDataset dataset(int examples, int capacity, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        MemoryCorpus corpus = PackingInvariantsTest.randomCorpus(rnd, examples, capacity, new ArrayList<>(), new ArrayList<>());
        int[] ex = new int[examples];
        int[] len = new int[examples];
        for (int i = 0; i < examples; i++) {
            ex[i] = i;
            len[i] = corpus.length(i);
        }
        return new PackedDataset(corpus, Packer.firstFitDecreasing(ex, len, capacity), capacity, 0, false);
    }

    /** Identifies a batch by its first token per row (ids encode example and offset). */
    static List<Integer> firstTokens(Batch b) {
        List<Integer> out = new ArrayList<>();
        for (int r = 0; r < b.rows(); r++) {
            out.add(b.inputIds()[r * b.seqLen()]);
        }
        return out;
    }

    static List<List<Integer>> drain(Loader loader) {
        List<List<Integer>> out = new ArrayList<>();
        while (loader.hasNext()) {
            out.add(firstTokens(loader.next()));
        }
        return out;
    }

    @Test
    void everyRowOncePerEpochAndOrdersDifferAcrossEpochs() {
        PackedDataset ds = dataset(300, 64, 7);
        Loader loader = ds.loader(3, 1234);
        assertEquals(ds.batchesPerEpoch(3), loader.batchesPerEpoch());
        List<List<Integer>> e0 = drain(loader);
        assertEquals(ds.batchesPerEpoch(3), e0.size());
        Set<Integer> rows = new HashSet<>();
        e0.forEach(rows::addAll);
        assertEquals(ds.rows(), rows.size());
        assertEquals(ds.rows(), e0.stream().mapToInt(List::size).sum());
        assertFalse(loader.hasNext());
        assertThrows(java.util.NoSuchElementException.class, loader::next);
        loader.nextEpoch();
        List<List<Integer>> e1 = drain(loader);
        assertNotEquals(e0, e1, "epochs must be shuffled differently");
        assertEquals(e0, drain(restored(ds, 3, 1234, new LoaderState(0, 0))), "same seed, same order");
        assertNotEquals(e0, drain(restored(ds, 3, 99, new LoaderState(0, 0))), "other seed, other order");
    }

    private static Loader restored(PackedDataset ds, int mb, long seed, LoaderState state) {
        Loader l = ds.loader(mb, seed);
        l.restore(state);
        return l;
    }

    @Test
    void resumeFromAnyStateYieldsTheSameBatches() {
        PackedDataset ds = dataset(200, 50, 11);
        Loader reference = ds.loader(4, 77);
        List<LoaderState> states = new ArrayList<>();
        List<Batch> batches = new ArrayList<>();
        for (int epoch = 0; epoch < 3; epoch++) {
            while (reference.hasNext()) {
                states.add(reference.state());
                batches.add(reference.next());
            }
            reference.nextEpoch();
        }
        for (int i = 0; i < states.size(); i += 5) {
            Loader resumed = ds.loader(4, 77);
            resumed.restore(states.get(i));
            for (int j = i; j < Math.min(states.size(), i + 12); j++) {
                if (!resumed.hasNext()) {
                    resumed.nextEpoch();
                }
                assertEquals(states.get(j), resumed.state());
                Batch expected = batches.get(j);
                Batch actual = resumed.next();
                assertArrayEquals(expected.inputIds(), actual.inputIds());
                assertArrayEquals(expected.labels(), actual.labels());
                assertArrayEquals(expected.positionIds(), actual.positionIds());
                assertEquals(expected.lossTokens(), actual.lossTokens());
            }
        }
    }

    @Test
    void sequentialLoaderKeepsRowOrderAndRestoreRejectsForeignState() {
        PackedDataset ds = dataset(50, 40, 3);
        Loader seq = ds.sequentialLoader(2);
        int r = 0;
        while (seq.hasNext()) {
            for (int first : firstTokens(seq.next())) {
                assertEquals(ds.row(r++).inputIds()[0], first);
            }
        }
        assertEquals(ds.rows(), r);
        assertThrows(IllegalArgumentException.class, () -> seq.restore(new LoaderState(0, ds.rows() + 1L)));
        assertThrows(IllegalArgumentException.class, () -> ds.loader(0, 1));
    }

    @Test
    void permutationIsABijectionForManySizes() {
        for (int n : new int[] {0, 1, 2, 3, 5, 16, 17, 100, 1000, 4097}) {
            RowPermutation p = RowPermutation.forEpoch(n, 5, 2);
            boolean[] hit = new boolean[n];
            for (int i = 0; i < n; i++) {
                int v = p.apply(i);
                assertTrue(v >= 0 && v < n);
                assertFalse(hit[v], "duplicate at n=" + n);
                hit[v] = true;
            }
        }
    }
}
