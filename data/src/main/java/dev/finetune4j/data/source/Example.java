package dev.finetune4j.data.source;

/** A parsed training sample (or, for plain text, a piece of one document). */
public sealed interface Example permits ChatExample, PromptResponseExample, TextChunk {
}
