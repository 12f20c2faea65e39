package dev.finetune4j.config;

/** What kind of data the run trains on, as the managed services name it. */
public enum TaskType {
    /** Multi-turn chat ({@code messages}); loss on assistant turns. */
    CHAT_COMPLETION,
    /** Prompt/response pairs; loss on the response. */
    INSTRUCTION_FINETUNE,
    /** Raw text, concatenated and split into context-length blocks; loss on every token. */
    CONTINUED_PRETRAIN
}
