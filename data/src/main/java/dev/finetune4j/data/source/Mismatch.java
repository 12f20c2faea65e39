package dev.finetune4j.data.source;

import java.util.Set;

/** Explains a record whose keys belong to another task type or to a format that needs converting first. */
final class Mismatch {

    private Mismatch() {
    }

    /**
     * A reason for a record with unexpected keys: names the task type the keys belong to when they match one.
     *
     * @param keys     the record's keys
     * @param taskType the configured task type
     * @param expected what a record of that task type looks like
     */
    static String describe(Set<String> keys, String taskType, String expected) {
        if (keys.contains("messages")) {
            return "this is a chat example ('messages') but task_type is " + taskType + "; set task_type: CHAT_COMPLETION";
        }
        if (keys.contains("prompt") && (keys.contains("response") || keys.contains("completion"))) {
            return "this is a prompt/response example " + keys + " but task_type is " + taskType
                    + "; set task_type: INSTRUCTION_FINETUNE";
        }
        if (keys.equals(Set.of("text"))) {
            return "this is a plain-text example {\"text\"} but task_type is " + taskType + "; set task_type: CONTINUED_PRETRAIN";
        }
        if (keys.contains("conversations")) {
            return "ShareGPT-style 'conversations' (from/value) is not read directly; convert each record to "
                    + "{\"messages\": [{\"role\": \"system|user|assistant\", \"content\": …}]}";
        }
        if (keys.contains("instruction")) {
            return "keys " + keys + " look like an Alpaca-style record; rename 'instruction' (plus any input) to 'prompt' "
                    + "and keep 'response' or 'completion'";
        }
        return "unknown example keys " + keys + "; " + expected;
    }
}
