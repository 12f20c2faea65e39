package dev.finetune4j.data.source;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A conversation: {@code messages} with role and content (Bedrock records are converted to this), and the
 * {@code tools} (JSON schemas) the chat template receives as its {@code tools} variable, as transformers'
 * {@code apply_chat_template(tools=...)} passes them.
 *
 * @param messages the messages in order
 * @param tools    tool JSON schemas ({@code [{"type": "function", "function": {...}}]}); empty when none
 */
public record ChatExample(List<Message> messages, List<Object> tools) implements Example {

    public ChatExample {
        messages = List.copyOf(messages);
        tools = tools == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(tools));
    }

    /** A conversation without tools. */
    public ChatExample(List<Message> messages) {
        this(messages, List.of());
    }
}
