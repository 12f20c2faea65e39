package dev.finetune4j.data.source;

/** An instruction example: untemplated prompt and response (or completion) text. */
public record PromptResponseExample(String prompt, String response) implements Example {
}
