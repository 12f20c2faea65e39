package dev.finetune4j.data;

/**
 * Where a {@link Loader} is: the epoch and how many rows of that epoch's shuffled order were already handed out.
 * Two integers, so a checkpoint can store it as JSON or pickle ints; {@link Loader#restore} is O(1).
 *
 * @param epoch    0-based epoch
 * @param position rows of this epoch already yielded (0 … rows)
 */
public record LoaderState(int epoch, long position) implements java.io.Serializable {

    public LoaderState {
        if (epoch < 0 || position < 0) {
            throw new IllegalArgumentException("loader state needs epoch >= 0 and position >= 0, got " + epoch + ", " + position);
        }
    }
}
