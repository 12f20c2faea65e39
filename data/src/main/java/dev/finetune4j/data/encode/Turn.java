package dev.finetune4j.data.encode;

/** One tokenized chat turn: the prompt (everything since the previous response) and the assistant response. */
public record Turn(int[] promptIds, int[] responseIds) {
}
