package dev.finetune4j.data.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses a CHAT_COMPLETION record: {@code {"messages": [{"role", "content"}…], "tools"?: [...]}} (OpenAI/transformers
 * shape, with {@code tool_calls} on assistant messages and role {@code tool} results carrying
 * {@code tool_call_id}/{@code name}) or an Amazon Bedrock Converse record {@code {"schemaVersion", "system":
 * [{"text"}], "toolConfig"?, "messages": [{"role", "content": [{"text"} | {"toolUse"} | {"toolResult"}]}]}}
 * (system blocks become a leading system message; several text blocks are joined with a newline; toolUse blocks
 * become the assistant's tool_calls and each toolResult a tool message, see {@link ToolShapes}).
 * Structural problems are always reported; the conversation rules are {@link ChatRules}.
 */
final class ChatParser {

    private static final Set<String> CHAT_KEYS = Set.of("messages", "tools");
    private static final Set<String> BEDROCK_KEYS = Set.of("schemaVersion", "system", "messages", "toolConfig");
    private static final Set<String> MESSAGE_KEYS = Set.of("role", "content", "tool_calls", "tool_call_id", "name");

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
        boolean bedrock = keys.contains("schemaVersion") || keys.contains("system") || keys.contains("toolConfig")
                || hasArrayContent(messages);
        List<String> extra = Json.extra(keys, bedrock ? BEDROCK_KEYS : CHAT_KEYS);
        if (!extra.isEmpty()) {
            problems.add("unexpected key(s) " + extra + "; " + (bedrock
                    ? "a Bedrock Converse record has only schemaVersion, system, toolConfig and messages"
                    : "a chat line has 'messages' and optionally 'tools'"));
        }
        List<Object> tools = List.of();
        if (!bedrock && record.has("tools")) {
            tools = ToolShapes.tools(record.get("tools"), problems);
        } else if (bedrock && record.has("toolConfig")) {
            tools = ToolShapes.bedrockTools(record.get("toolConfig"), problems);
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
        Map<String, String> callNames = new HashMap<>();
        for (int i = 0; i < messages.size(); i++) {
            String where = "messages[" + i + "]";
            if (bedrock && messages.get(i).isObject() && messages.get(i).path("content").isArray()) {
                out.addAll(bedrockMessages(messages.get(i), where, callNames, problems));
                continue;
            }
            Message m = message(messages.get(i), where, problems);
            if (m != null) {
                out.add(m);
            }
        }
        return problems.isEmpty() ? new ChatExample(out, tools) : null;
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

    private static Message message(JsonNode node, String where, List<String> problems) {
        if (!node.isObject()) {
            problems.add(where + " must be an object {\"role\", \"content\"}, found " + Json.kind(node));
            return null;
        }
        Set<String> keys = Json.keys(node);
        int before = problems.size();
        boolean calls = keys.contains("tool_calls");
        if (!keys.contains("role")) {
            problems.add(where + " has no 'role'; a message has 'role' and 'content'");
        }
        if (!keys.contains("content") && !calls) {
            problems.add(where + " has no 'content'; a message has 'role' and 'content' (only an assistant message"
                    + " with 'tool_calls' may leave it out)");
        }
        List<String> extra = Json.extra(keys, MESSAGE_KEYS);
        if (!extra.isEmpty()) {
            problems.add(where + " has unexpected key(s) " + extra + "; a message has 'role' and 'content', and for"
                    + " tool calling 'tool_calls' (assistant), 'tool_call_id' and 'name' (tool)");
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
        String text = null;
        if (content != null && content.isTextual()) {
            text = content.asText();
        } else if (content != null && !(content.isNull() && calls)) {
            problems.add(where + ".content must be a string" + (calls ? " or null" : "") + ", found "
                    + Json.kind(content));
            return null;
        }
        List<Object> toolCalls = List.of();
        if (calls) {
            if (!role.asText().equals("assistant")) {
                problems.add(where + " has 'tool_calls' but role '" + role.asText() + "'; only assistant messages call"
                        + " tools");
                return null;
            }
            toolCalls = ToolShapes.toolCalls(node.get("tool_calls"), where + ".tool_calls", problems);
        }
        String toolCallId = null;
        if (keys.contains("tool_call_id")) {
            if (!role.asText().equals("tool") || !node.get("tool_call_id").isTextual()) {
                problems.add(where + ".tool_call_id must be a string on a role 'tool' message");
                return null;
            }
            toolCallId = node.get("tool_call_id").asText();
        }
        String name = null;
        if (keys.contains("name")) {
            if (!node.get("name").isTextual()) {
                problems.add(where + ".name must be a string, found " + Json.kind(node.get("name")));
                return null;
            }
            name = node.get("name").asText();
        }
        return problems.size() > before ? null : new Message(role.asText(), text, toolCalls, toolCallId, name);
    }

    /**
     * A Bedrock message with content blocks: text joined with newlines; an assistant's toolUse blocks become its
     * tool_calls; a user's toolResult blocks become tool messages, followed by a user message when it also has text.
     */
    private static List<Message> bedrockMessages(JsonNode node, String where, Map<String, String> callNames,
                                                 List<String> problems) {
        Set<String> keys = Json.keys(node);
        if (!keys.equals(Set.of("role", "content")) || !node.get("role").isTextual()) {
            problems.add(where + " must be {\"role\": string, \"content\": [blocks]}, found keys " + keys);
            return List.of();
        }
        String role = node.get("role").asText();
        JsonNode blocks = node.get("content");
        List<JsonNode> texts = new ArrayList<>();
        List<Object> calls = new ArrayList<>();
        List<Message> results = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            JsonNode b = blocks.get(i);
            String at = where + ".content[" + i + "]";
            if (b.isObject() && b.has("toolUse") && Json.keys(b).size() == 1) {
                if (!role.equals("assistant")) {
                    problems.add(at + " is a toolUse block in a '" + role + "' message; only the assistant calls tools");
                    continue;
                }
                Object call = ToolShapes.bedrockToolUse(b.get("toolUse"), at, problems);
                if (call != null) {
                    calls.add(call);
                    callNames.put(ToolShapes.callId(call), ToolShapes.callName(call));
                }
            } else if (b.isObject() && b.has("toolResult") && Json.keys(b).size() == 1) {
                if (!role.equals("user")) {
                    problems.add(at + " is a toolResult block in a '" + role + "' message; tool results come in user"
                            + " messages");
                    continue;
                }
                Message result = ToolShapes.bedrockToolResult(b.get("toolResult"), at, callNames, problems);
                if (result != null) {
                    results.add(result);
                }
            } else {
                texts.add(b);
            }
        }
        String text = null;
        if (!texts.isEmpty()) {
            text = joinTextBlocks(JsonNodeFactory.instance.arrayNode().addAll(texts), where + ".content", problems);
        }
        List<Message> out = new ArrayList<>(results);
        if (!calls.isEmpty()) {
            out.add(new Message(role, text, calls, null, null));
        } else if (text != null || results.isEmpty()) {
            out.add(new Message(role, text == null ? "" : text));
        }
        return out;
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
                problems.add(where + "[" + i + "] must be a text block {\"text\": \"…\"} (or toolUse/toolResult); other"
                        + " content is not supported, found "
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
