package dev.finetune4j.data.source;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One chat message in the OpenAI/transformers shape (docs/formats.md "Chat data"): a role, its text, and for
 * tool calling the assistant's {@code tool_calls} and a tool result's {@code tool_call_id}/{@code name}.
 *
 * @param role       system, user, assistant or tool
 * @param content    the text; null when the record gave none (an assistant message that only calls tools)
 * @param toolCalls  the assistant's tool calls as given ({@code [{"id", "type": "function", "function": {"name",
 *                   "arguments"}}]}, JSON values as maps/lists/strings/numbers); empty when none
 * @param toolCallId a tool message's {@code tool_call_id}, or null
 * @param name       the message's {@code name} (a tool message's function name), or null
 */
public record Message(String role, String content, List<Object> toolCalls, String toolCallId, String name) {

    public Message {
        toolCalls = toolCalls == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(toolCalls));
    }

    /** A plain text message. */
    public Message(String role, String content) {
        this(role, content, List.of(), null, null);
    }

    /**
     * The message as transformers hands it to a chat template: {@code role}, {@code content} (left out when the
     * record had none), and {@code tool_calls}, {@code tool_call_id}, {@code name} when given, as message fields.
     */
    public Map<String, Object> asTemplateInput() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        if (content != null) {
            m.put("content", content);
        }
        if (!toolCalls.isEmpty()) {
            m.put("tool_calls", toolCalls);
        }
        if (toolCallId != null) {
            m.put("tool_call_id", toolCallId);
        }
        if (name != null) {
            m.put("name", name);
        }
        return m;
    }
}
