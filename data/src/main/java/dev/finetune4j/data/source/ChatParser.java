package dev.finetune4j.data.source;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Parses a CHAT_COMPLETION record: {@code {"messages": [{"role", "content"}…]}} or an Amazon Bedrock Converse
 * record {@code {"schemaVersion", "system": [{"text"}], "messages": [{"role", "content": [{"text"}]}]}}
 * (system blocks become a leading system message; several text blocks are joined with a newline).
 * Structural problems are always reported; the conversation rules are {@link ChatRules}.
 */
final class ChatParser {

    private static final Set<String> CHAT_KEYS = Set.of("messages");
    private static final Set<String> BEDROCK_KEYS = Set.of("schemaVersion", "system", "messages");
    private static final Set<String> MESSAGE_KEYS = Set.of("role", "content");

    private ChatParser() {
    }

    /** The example, or null with {@code problems} filled. */
    static ChatExample parse(JsonNode record, List<String> problems) {
        Set<String> keys = Json.keys(record);
        if (!keys.contains("messages")) {
            problems.add(Mismatch.describe(keys, "CHAT_COMPLETION",
                    "a CHAT_COMPLETION line is {\"messages\": [{\"role\": …, \"content\": …}, …]} or a Bedrock Converse "
                            + "record with schemaVersion/system/messages"));
            return null;
        }
        JsonNode messages = record.get("messages");
        boolean bedrock = keys.contains("schemaVersion") || keys.contains("system") || hasArrayContent(messages);
        List<String> extra = Json.extra(keys, bedrock ? BEDROCK_KEYS : CHAT_KEYS);
        if (!extra.isEmpty()) {
            problems.add("unexpected key(s) " + extra + "; " + (bedrock
                    ? "a Bedrock Converse record has only schemaVersion, system and messages"
                    : "a chat line has exactly one key, 'messages'"));
        }
        List<Message> out = new ArrayList<>();
        if (bedrock) {
            JsonNode version = record.get("schemaVersion");
            if (version != null && !version.isTextual()) {
                problems.add("'schemaVersion' must be a string such as \"bedrock-conversation-2024\", found " + Json.kind(version));
            }
            JsonNode system = record.get("system");
            if (system != null) {
                String text = joinTextBlocks(system, "system", problems);
                if (text != null && !system.isEmpty()) {
                    out.add(new Message("system", text));
                }
            }
        }
        if (!messages.isArray()) {
            problems.add("'messages' must be a list of {\"role\", \"content\"} objects, found " + Json.kind(messages));
            return null;
        }
        if (messages.isEmpty()) {
            problems.add("'messages' is empty; a conversation needs a user message and an assistant reply");
            return null;
        }
        for (int i = 0; i < messages.size(); i++) {
            Message m = message(messages.get(i), "messages[" + i + "]", bedrock, problems);
            if (m != null) {
                out.add(m);
            }
        }
        return problems.isEmpty() ? new ChatExample(out) : null;
    }

    private static boolean hasArrayContent(JsonNode messages) {
        if (messages == null || !messages.isArray()) {
            return false;
        }
        for (JsonNode m : messages) {
            if (m.isObject() && m.path("content").isArray()) {
                return true;
            }
        }
        return false;
    }

    private static Message message(JsonNode node, String where, boolean bedrock, List<String> problems) {
        if (!node.isObject()) {
            problems.add(where + " must be an object {\"role\", \"content\"}, found " + Json.kind(node));
            return null;
        }
        Set<String> keys = Json.keys(node);
        int before = problems.size();
        for (String required : List.of("role", "content")) {
            if (!keys.contains(required)) {
                problems.add(where + " has no '" + required + "'; a message has exactly 'role' and 'content'");
            }
        }
        List<String> extra = Json.extra(keys, MESSAGE_KEYS);
        if (!extra.isEmpty()) {
            problems.add(where + " has unexpected key(s) " + extra + "; a message has exactly 'role' and 'content'");
        }
        if (problems.size() > before) {
            return null;
        }
        JsonNode role = node.get("role");
        if (!role.isTextual()) {
            problems.add(where + ".role must be a string, found " + Json.kind(role));
            return null;
        }
        JsonNode content = node.get("content");
        String text;
        if (content.isTextual()) {
            text = content.asText();
        } else if (content.isArray() && bedrock) {
            text = joinTextBlocks(content, where + ".content", problems);
        } else {
            problems.add(where + ".content must be a string" + (bedrock ? " or a list of {\"text\"} blocks" : "")
                    + ", found " + Json.kind(content));
            return null;
        }
        return text == null ? null : new Message(role.asText(), text);
    }

    /** Joins {@code [{"text": …}, …]} (Bedrock; also {"type": "text", "text": …}) with newlines. */
    private static String joinTextBlocks(JsonNode blocks, String where, List<String> problems) {
        if (!blocks.isArray()) {
            problems.add(where + " must be a list of {\"text\"} blocks, found " + Json.kind(blocks));
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < blocks.size(); i++) {
            JsonNode b = blocks.get(i);
            JsonNode text = b.get("text");
            Set<String> keys = b.isObject() ? Json.keys(b) : Set.of();
            boolean typed = keys.equals(Set.of("type", "text")) && "text".equals(b.path("type").asText());
            if (!b.isObject() || text == null || !text.isTextual() || !(keys.equals(Set.of("text")) || typed)) {
                problems.add(where + "[" + i + "] must be a text block {\"text\": \"…\"}; only text content is supported, found "
                        + (b.isObject() ? "keys " + keys : Json.kind(b)));
                return null;
            }
            if (i > 0) {
                sb.append('\n');
            }
            sb.append(text.asText());
        }
        return sb.toString();
    }
}
