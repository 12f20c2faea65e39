package dev.finetune4j.data;

import java.util.Arrays;

/** A growable list of ints. */
final class IntList {
    private int[] a = new int[64];
    private int size;

    void add(int v) {
        if (size == a.length) {
            a = Arrays.copyOf(a, size * 2);
        }
        a[size++] = v;
    }

    void addAll(int[] v) {
        if (size + v.length > a.length) {
            a = Arrays.copyOf(a, Math.max(a.length * 2, size + v.length));
        }
        System.arraycopy(v, 0, a, size, v.length);
        size += v.length;
    }

    int get(int i) {
        return a[i];
    }

    int size() {
        return size;
    }

    void clear() {
        size = 0;
    }

    /** Removes the first n values. */
    void dropFirst(int n) {
        System.arraycopy(a, n, a, 0, size - n);
        size -= n;
    }

    int[] slice(int from, int to) {
        return Arrays.copyOfRange(a, from, to);
    }

    int[] toArray() {
        return Arrays.copyOf(a, size);
    }
}
