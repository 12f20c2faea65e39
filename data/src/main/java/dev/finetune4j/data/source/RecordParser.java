package dev.finetune4j.data.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.finetune4j.data.TaskType;
import java.util.ArrayList;
import java.util.List;

/** Turns one JSON object into an example of the configured task type, with the validation rules applied. */
final class RecordParser implements SampleReader.RecordHandler {

    private final TaskType taskType;
    private final boolean validate;
    private final boolean allowSystem;
    private int documents;

    RecordParser(TaskType taskType, boolean validate, boolean allowSystem) {
        this.taskType = taskType;
        this.validate = validate;
        this.allowSystem = allowSystem;
    }

    /** Parses a record found at {@code file:line}. */
    @Override
    public ReadSample parse(java.nio.file.Path file, long line, JsonNode record) {
        List<String> problems = new ArrayList<>();
        if (!record.isObject()) {
            problems.add("not a JSON object (found " + Json.kind(record) + "); every line must be one {…} record");
            return new ReadSample(file, line, null, problems, true);
        }
        Example example = switch (taskType) {
            case CHAT_COMPLETION -> {
                ChatExample chat = ChatParser.parse(record, problems);
                if (chat != null && validate) {
                    ChatRules.check(chat.messages(), allowSystem, problems);
                }
                yield problems.isEmpty() ? chat : null;
            }
            case INSTRUCTION_FINETUNE -> PromptResponseParser.parse(record, validate, problems);
            case CONTINUED_PRETRAIN -> TextParser.parse(record, documents++, validate, problems);
        };
        return new ReadSample(file, line, problems.isEmpty() ? example : null, problems, true);
    }

    /** The next document index (for .txt files). */
    @Override
    public int nextDocument() {
        return documents++;
    }
}
