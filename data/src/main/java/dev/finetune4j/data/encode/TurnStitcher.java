package dev.finetune4j.data.encode;

import dev.finetune4j.data.Batch;
import dev.finetune4j.data.TargetPrompts;
import dev.finetune4j.data.TargetResponses;
import java.util.List;
import java.util.OptionalInt;

/**
 * Concatenates turns into one example with labels (llm-foundry {@code stitch_turns_decoder_only},
 * docs/training.md §4.3): prompts and responses are targets per the policies, and on the
 * last turn EOS is appended to the response unless it already ends with it.
 */
public final class TurnStitcher {

    private TurnStitcher() {
    }

    /**
     * Stitches turns.
     *
     * @param turns           tokenized turns, none empty
     * @param targetPrompts   which prompts are trained
     * @param targetResponses which responses are trained
     * @param eosId           the tokenizer's EOS id (none = nothing appended)
     */
    public static EncodedExample stitch(List<Turn> turns, TargetPrompts targetPrompts, TargetResponses targetResponses,
                                        OptionalInt eosId) {
        int total = 0;
        for (Turn t : turns) {
            total += t.promptIds().length + t.responseIds().length;
        }
        int[] ids = new int[total + 1];
        int[] labels = new int[total + 1];
        int at = 0;
        for (int i = 0; i < turns.size(); i++) {
            boolean last = i == turns.size() - 1;
            Turn t = turns.get(i);
            at = put(t.promptIds(), targetPrompts.trains(t.promptIds().length), ids, labels, at);
            int[] response = t.responseIds();
            at = put(response, targetResponses.trains(last), ids, labels, at);
            if (last && eosId.isPresent() && (response.length == 0 || response[response.length - 1] != eosId.getAsInt())) {
                at = put(new int[] {eosId.getAsInt()}, targetResponses.trains(true), ids, labels, at);
            }
        }
        if (at == ids.length) { // EOS appended: the arrays are full, no copy (a long example is not held twice)
            return new EncodedExample(ids, labels);
        }
        return new EncodedExample(java.util.Arrays.copyOf(ids, at), java.util.Arrays.copyOf(labels, at));
    }

    private static int put(int[] tokens, boolean trained, int[] ids, int[] labels, int at) {
        System.arraycopy(tokens, 0, ids, at, tokens.length);
        for (int k = 0; k < tokens.length; k++) {
            labels[at + k] = trained ? tokens[k] : Batch.IGNORE_INDEX;
        }
        return at + tokens.length;
    }
}
