package dev.finetune4j.data;

/** What the training data is and therefore which reader parses it ({@code task_type} of the run configuration). */
public enum TaskType {
    /** JSONL of {@code {"messages": [{role, content}…]}} or Amazon Bedrock Converse records, rendered with the chat template. */
    CHAT_COMPLETION,
    /** JSONL of {@code {"prompt", "response"}} or {@code {"prompt", "completion"}}, not templated. */
    INSTRUCTION_FINETUNE,
    /** A folder of .txt files (one document each), one .txt file, or JSONL of {@code {"text": …}}. */
    CONTINUED_PRETRAIN;

    /** Parses a config value case-insensitively; the error names the allowed values. */
    public static TaskType parse(String value) {
        for (TaskType t : values()) {
            if (t.name().equalsIgnoreCase(value == null ? "" : value.trim())) {
                return t;
            }
        }
        throw new IllegalArgumentException("task_type '" + value + "' is not one of CHAT_COMPLETION, INSTRUCTION_FINETUNE, CONTINUED_PRETRAIN");
    }
}
