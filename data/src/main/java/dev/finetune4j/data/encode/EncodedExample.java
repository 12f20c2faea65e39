package dev.finetune4j.data.encode;

/**
 * Token ids and position-aligned labels of one example (-100 = not trained), before truncation.
 *
 * @param inputIds token ids
 * @param labels   the id where the token is a training target, -100 elsewhere
 */
public record EncodedExample(int[] inputIds, int[] labels) {

    public EncodedExample {
        if (inputIds.length != labels.length) {
            throw new IllegalArgumentException("ids and labels differ in length");
        }
    }

    /** Tokens. */
    public int length() {
        return inputIds.length;
    }
}
