package dev.finetune4j.data;

/**
 * Packs examples into rows of at most {@code capacity} tokens by first-fit-decreasing (docs/training.md §5: sort by
 * size descending, put each into the first row where it fits, else open a new row). The whole
 * split is packed at once; ties keep input order, so the plan is deterministic. A max-tree over the rows' free
 * space finds the first fitting row in O(log rows).
 */
public final class Packer {

    private Packer() {
    }

    /**
     * First-fit-decreasing packing.
     *
     * @param examples corpus indices of the examples to pack
     * @param lengths  their lengths, each in [1, capacity]
     * @param capacity the row width (context length)
     */
    public static PackPlan firstFitDecreasing(int[] examples, int[] lengths, int capacity) {
        int n = examples.length;
        if (lengths.length != n) {
            throw new IllegalArgumentException("examples and lengths differ in size");
        }
        int[] order = sortBySizeDescending(lengths, capacity);
        int leaves = Integer.highestOneBit(Math.max(1, n - 1)) << 1;
        int[] free = new int[2 * leaves]; // max-tree of free space; unopened rows have full capacity
        java.util.Arrays.fill(free, leaves, 2 * leaves, capacity);
        for (int i = leaves - 1; i >= 1; i--) {
            free[i] = capacity;
        }
        int[] rowOf = new int[n];
        int[] rowSize = new int[n];
        int rows = 0;
        for (int k = 0; k < n; k++) {
            int idx = order[k];
            int size = lengths[idx];
            int node = 1;
            while (node < leaves) { // leftmost leaf with free >= size
                node = free[2 * node] >= size ? 2 * node : 2 * node + 1;
            }
            int row = node - leaves;
            rowOf[k] = row;
            rowSize[row]++;
            rows = Math.max(rows, row + 1);
            free[node] -= size;
            for (node >>= 1; node >= 1; node >>= 1) {
                free[node] = Math.max(free[2 * node], free[2 * node + 1]);
            }
        }
        int[] rowStart = new int[rows + 1];
        for (int r = 0; r < rows; r++) {
            rowStart[r + 1] = rowStart[r] + rowSize[r];
        }
        int[] fill = java.util.Arrays.copyOf(rowStart, rows);
        int[] members = new int[n];
        for (int k = 0; k < n; k++) {
            members[fill[rowOf[k]]++] = examples[order[k]];
        }
        return new PackPlan(rowStart, members);
    }

    /** One example per row, in input order (packing: false). */
    public static PackPlan onePerRow(int[] examples) {
        int[] rowStart = new int[examples.length + 1];
        for (int i = 0; i <= examples.length; i++) {
            rowStart[i] = i;
        }
        return new PackPlan(rowStart, examples.clone());
    }

    /** Indices into {@code lengths} sorted by length descending, ties in index order (counting sort). */
    static int[] sortBySizeDescending(int[] lengths, int capacity) {
        int[] count = new int[capacity + 2];
        for (int len : lengths) {
            if (len < 1 || len > capacity) {
                throw new IllegalArgumentException("example length " + len + " is outside [1, " + capacity + "]");
            }
            count[capacity - len + 1]++;
        }
        for (int i = 1; i < count.length; i++) {
            count[i] += count[i - 1];
        }
        int[] order = new int[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
            order[count[capacity - lengths[i]]++] = i;
        }
        return order;
    }
}
