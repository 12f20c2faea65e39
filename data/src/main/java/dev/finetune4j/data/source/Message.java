package dev.finetune4j.data.source;

import java.util.LinkedHashMap;
import java.util.Map;

/** One chat message. */
public record Message(String role, String content) {

    /** The message as a chat template sees it. */
    public Map<String, Object> asTemplateInput() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }
}
