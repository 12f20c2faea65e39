package dev.finetune4j.data;

/**
 * Which examples make up each row, in compressed-row form: the examples of row r are
 * {@code members[rowStart[r] … rowStart[r+1])}, in the order they sit in the row.
 */
public record PackPlan(int[] rowStart, int[] members) {

    public PackPlan {
        if (rowStart.length == 0 || rowStart[0] != 0 || rowStart[rowStart.length - 1] != members.length) {
            throw new IllegalArgumentException("rowStart must run from 0 to members.length");
        }
    }

    /** Number of rows. */
    public int rows() {
        return rowStart.length - 1;
    }

    /** Number of examples in row r. */
    public int documents(int r) {
        return rowStart[r + 1] - rowStart[r];
    }

    /** The i-th example of row r. */
    public int member(int r, int i) {
        return members[rowStart[r] + i];
    }
}
