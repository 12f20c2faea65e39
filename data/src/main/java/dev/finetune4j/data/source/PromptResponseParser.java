package dev.finetune4j.data.source;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/** Parses an INSTRUCTION_FINETUNE record: exactly {@code prompt} plus {@code response} or {@code completion} (docs/training.md §4.2). */
final class PromptResponseParser {

    private PromptResponseParser() {
    }

    /** The example, or null with {@code problems} filled. */
    static PromptResponseExample parse(JsonNode record, boolean validate, List<String> problems) {
        Set<String> keys = Json.keys(record);
        String expected = "a prompt/response line has exactly the keys 'prompt' and 'response' (or 'completion')";
        if (!keys.contains("prompt") || !(keys.contains("response") || keys.contains("completion"))) {
            boolean partial = keys.contains("prompt") || keys.contains("response") || keys.contains("completion");
            if (partial && !keys.contains("instruction") && !keys.contains("messages")) {
                problems.add("keys " + keys + " are incomplete; " + expected);
            } else {
                problems.add(Mismatch.describe(keys, "INSTRUCTION_FINETUNE", expected));
            }
            return null;
        }
        if (keys.contains("response") && keys.contains("completion")) {
            problems.add("has both 'response' and 'completion'; keep one of them");
            return null;
        }
        List<String> extra = Json.extra(keys, Set.of("prompt", "response", "completion"));
        if (!extra.isEmpty()) {
            problems.add("unexpected key(s) " + extra + "; " + expected);
            return null;
        }
        String responseKey = keys.contains("response") ? "response" : "completion";
        JsonNode prompt = record.get("prompt");
        JsonNode response = record.get(responseKey);
        if (!prompt.isTextual()) {
            problems.add("'prompt' must be a string, found " + Json.kind(prompt));
        }
        if (!response.isTextual()) {
            problems.add("'" + responseKey + "' must be a string, found " + Json.kind(response));
        }
        if (!problems.isEmpty()) {
            return null;
        }
        if (validate) {
            if (prompt.asText().isBlank()) {
                problems.add("'prompt' is empty");
            }
            if (response.asText().isBlank()) {
                problems.add("'" + responseKey + "' is empty; there would be nothing to train on");
            }
            if (!problems.isEmpty()) {
                return null;
            }
        }
        return new PromptResponseExample(prompt.asText(), response.asText());
    }
}
