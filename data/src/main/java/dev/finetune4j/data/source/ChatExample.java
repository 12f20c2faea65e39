package dev.finetune4j.data.source;

import java.util.List;

/** A conversation: {@code messages} with role and content (Bedrock records are converted to this). */
public record ChatExample(List<Message> messages) implements Example {

    public ChatExample {
        messages = List.copyOf(messages);
    }
}
