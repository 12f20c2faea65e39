package dev.finetune4j.data;

/**
 * A seeded pseudo-random permutation of {@code [0, n)} evaluated point-wise in O(1): a 6-round Feistel network on
 * the smallest even-bit domain holding n, with cycle-walking back into range. Any position of any epoch's order
 * can be computed without materialising or replaying the order, which is what makes loader resume O(1).
 */
public final class RowPermutation {

    private static final int ROUNDS = 6;
    private final int n;
    private final int halfBits;
    private final long halfMask;
    private final long[] keys = new long[ROUNDS];

    /** The permutation of {@code [0, n)} for this seed. */
    public RowPermutation(int n, long seed) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0");
        }
        this.n = n;
        int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(Math.max(1, n - 1)));
        if (bits % 2 == 1) {
            bits++;
        }
        halfBits = bits / 2;
        halfMask = (1L << halfBits) - 1;
        long s = seed;
        for (int i = 0; i < ROUNDS; i++) {
            s += 0x9E3779B97F4A7C15L;
            keys[i] = mix(s);
        }
    }

    /** The permutation for one epoch of a loader seeded with {@code seed}. */
    public static RowPermutation forEpoch(int n, long seed, int epoch) {
        return new RowPermutation(n, mix(seed ^ mix(0xD1B54A32D192ED03L * (epoch + 1L))));
    }

    /** The size of the domain. */
    public int size() {
        return n;
    }

    /** The element at position {@code i}. */
    public int apply(int i) {
        if (i < 0 || i >= n) {
            throw new IndexOutOfBoundsException("position " + i + " outside [0, " + n + ")");
        }
        long x = i;
        do {
            x = encrypt(x);
        } while (x >= n);
        return (int) x;
    }

    private long encrypt(long x) {
        long left = x >>> halfBits;
        long right = x & halfMask;
        for (long key : keys) {
            long next = left ^ (mix(right ^ key) & halfMask);
            left = right;
            right = next;
        }
        return (left << halfBits) | right;
    }

    /** SplitMix64 finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
