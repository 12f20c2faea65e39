package dev.finetune4j.engine.model;

import dev.finetune4j.data.Batch;

/**
 * Which keys each query may see in a batch. A <em>plain</em> batch (every row one document filling the row, positions
 * 0..L-1) uses fused causal attention without a mask; otherwise each position gets a document id from
 * {@code cuSeqlens} and attention is block-diagonal causal. Padding positions get ids of their own, so they attend
 * only to themselves (no NaN rows) and no document attends to them.
 */
final class AttentionLayout {

    private final boolean plain;
    private final long[] documentIds;

    private AttentionLayout(boolean plain, long[] documentIds) {
        this.plain = plain;
        this.documentIds = documentIds;
    }

    static AttentionLayout plain(int rows, int seq) {
        return new AttentionLayout(true, new long[rows * seq]);
    }

    static AttentionLayout of(Batch b) {
        int rows = b.rows();
        int seq = b.seqLen();
        boolean plain = true;
        for (int r = 0; r < rows && plain; r++) {
            int[] cu = b.cuSeqlens()[r];
            plain = cu.length == 2 && cu[0] == 0 && cu[1] == seq;
            for (int t = 0; t < seq && plain; t++) {
                plain = b.positionIds()[r * seq + t] == t;
            }
        }
        if (plain) {
            return plain(rows, seq);
        }
        long[] ids = new long[rows * seq];
        for (int r = 0; r < rows; r++) {
            int[] cu = b.cuSeqlens()[r];
            if (cu.length == 0 || cu[0] != 0 || cu[cu.length - 1] > seq) {
                throw new IllegalArgumentException("batch row " + r + " has cuSeqlens " + java.util.Arrays.toString(cu)
                        + "; they must start at 0, grow, and end at most at seqLen " + seq);
            }
            int t = 0;
            for (int d = 0; d + 1 < cu.length; d++) {
                if (cu[d + 1] < cu[d]) {
                    throw new IllegalArgumentException("batch row " + r + " has decreasing cuSeqlens "
                            + java.util.Arrays.toString(cu));
                }
                for (; t < cu[d + 1]; t++) {
                    ids[r * seq + t] = d;
                }
            }
            for (; t < seq; t++) {
                ids[r * seq + t] = seq + t;   // padding: a document of its own
            }
        }
        return new AttentionLayout(false, ids);
    }

    /**
     * Cumulative segment lengths over the flattened {@code rows·seq} positions for varlen attention: each document is
     * a segment and each row's padding tail is one more (it only attends within itself).
     */
    int[] flatCuSeqlens(int rows, int seq) {
        java.util.List<Integer> cu = new java.util.ArrayList<>();
        cu.add(0);
        for (int r = 0; r < rows; r++) {
            long prev = -1;
            for (int t = 0; t < seq; t++) {
                long id = documentIds[r * seq + t];
                boolean padding = id >= seq;
                if (t > 0 && !(id == prev || padding && prev >= seq)) {
                    cu.add(r * seq + t);
                }
                prev = id;
            }
            cu.add((r + 1) * seq);
        }
        return cu.stream().mapToInt(Integer::intValue).toArray();
    }

    static int maxSegment(int[] cu) {
        int max = 0;
        for (int i = 1; i < cu.length; i++) {
            max = Math.max(max, cu[i] - cu[i - 1]);
        }
        return max;
    }

    boolean isPlain() {
        return plain;
    }

    /** Document id per position, row-major {@code [rows, seq]} (all 0 for a plain batch). */
    long[] documentIds() {
        return documentIds;
    }
}
