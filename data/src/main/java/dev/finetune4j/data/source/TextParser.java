package dev.finetune4j.data.source;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/** Parses a CONTINUED_PRETRAIN JSONL record: exactly {@code {"text": "…"}}, one document. */
final class TextParser {

    private TextParser() {
    }

    /** The document as one chunk, or null with {@code problems} filled. */
    static TextChunk parse(JsonNode record, int document, boolean validate, List<String> problems) {
        Set<String> keys = Json.keys(record);
        if (!keys.equals(Set.of("text"))) {
            problems.add(Mismatch.describe(keys, "CONTINUED_PRETRAIN", "a CONTINUED_PRETRAIN line has exactly one key, 'text'"));
            return null;
        }
        JsonNode text = record.get("text");
        if (!text.isTextual()) {
            problems.add("'text' must be a string, found " + Json.kind(text));
            return null;
        }
        if (validate && text.asText().isEmpty()) {
            problems.add("'text' is empty");
            return null;
        }
        return new TextChunk(text.asText(), document, true, true);
    }
}
