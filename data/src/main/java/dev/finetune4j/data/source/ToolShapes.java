package dev.finetune4j.data.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tool-calling parts of chat records (docs/formats.md "Tool calling"), checked and turned into the values
 * transformers hands to a chat template: OpenAI/transformers {@code tools} (JSON schemas) and {@code tool_calls},
 * and Amazon Bedrock Converse {@code toolConfig}, {@code toolUse} and {@code toolResult}, mapped onto the same shape.
 */
final class ToolShapes {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Set<String> TOOL_KEYS = Set.of("type", "function");
    private static final Set<String> CALL_KEYS = Set.of("id", "type", "function");
    private static final Set<String> FUNCTION_KEYS = Set.of("name", "arguments");

    private ToolShapes() {
    }

    /** A JSON value as template data: maps, lists, strings, numbers, booleans and null. */
    static Object value(JsonNode node) {
        return Json.MAPPER.convertValue(node, Object.class);
    }

    /** {@code tools}: a list of {@code {"type": "function", "function": {"name", "description", "parameters"}}}. */
    static List<Object> tools(JsonNode tools, List<String> problems) {
        if (!tools.isArray()) {
            problems.add("'tools' must be a list of {\"type\": \"function\", \"function\": {\"name\", \"description\", "
                    + "\"parameters\"}} JSON schemas, found " + Json.kind(tools));
            return List.of();
        }
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            String where = "tools[" + i + "]";
            if (!t.isObject() || !Json.extra(Json.keys(t), TOOL_KEYS).isEmpty() || !"function".equals(t.path("type")
                    .asText(null)) || !t.path("function").isObject()) {
                problems.add(where + " must be {\"type\": \"function\", \"function\": {…}}, found "
                        + (t.isObject() ? "keys " + Json.keys(t) : Json.kind(t)));
                continue;
            }
            JsonNode f = t.get("function");
            if (!f.path("name").isTextual() || f.get("name").asText().isBlank()) {
                problems.add(where + ".function.name must be a non-empty string");
            }
            if (f.has("parameters") && !f.get("parameters").isObject()) {
                problems.add(where + ".function.parameters must be a JSON schema object, found "
                        + Json.kind(f.get("parameters")));
            }
            out.add(value(t));
        }
        return out;
    }

    /**
     * An assistant's {@code tool_calls}: a non-empty list of {@code {"id"?, "type"?: "function", "function":
     * {"name", "arguments"}}}; {@code arguments} is an object, or a string holding one (OpenAI's encoding).
     */
    static List<Object> toolCalls(JsonNode calls, String where, List<String> problems) {
        if (!calls.isArray() || calls.isEmpty()) {
            problems.add(where + " must be a non-empty list of {\"id\", \"type\": \"function\", \"function\": "
                    + "{\"name\", \"arguments\"}}, found " + (calls.isArray() ? "an empty list" : Json.kind(calls)));
            return List.of();
        }
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            JsonNode c = calls.get(i);
            String at = where + "[" + i + "]";
            int before = problems.size();
            if (!c.isObject()) {
                problems.add(at + " must be an object {\"id\", \"type\", \"function\"}, found " + Json.kind(c));
                continue;
            }
            List<String> extra = Json.extra(Json.keys(c), CALL_KEYS);
            if (!extra.isEmpty()) {
                problems.add(at + " has unexpected key(s) " + extra + "; a tool call has id, type and function");
            }
            if (c.has("id") && !c.get("id").isTextual()) {
                problems.add(at + ".id must be a string, found " + Json.kind(c.get("id")));
            }
            if (c.has("type") && !"function".equals(c.get("type").asText(null))) {
                problems.add(at + ".type must be \"function\", found " + c.get("type"));
            }
            JsonNode f = c.get("function");
            if (f == null || !f.isObject()) {
                problems.add(at + ".function must be an object {\"name\", \"arguments\"}, found " + Json.kind(f));
            } else {
                List<String> fx = Json.extra(Json.keys(f), FUNCTION_KEYS);
                if (!fx.isEmpty()) {
                    problems.add(at + ".function has unexpected key(s) " + fx + "; it has name and arguments");
                }
                if (!f.path("name").isTextual() || f.get("name").asText().isBlank()) {
                    problems.add(at + ".function.name must be a non-empty string");
                }
                JsonNode args = f.get("arguments");
                if (args == null) {
                    problems.add(at + ".function.arguments is missing; give an object (or {} for none)");
                } else if (args.isTextual()) {
                    try {
                        if (!Json.MAPPER.readTree(args.asText()).isObject()) {
                            problems.add(at + ".function.arguments is a string but not a JSON object");
                        }
                    } catch (JsonProcessingException e) {
                        problems.add(at + ".function.arguments is a string but not valid JSON: "
                                + e.getOriginalMessage());
                    }
                } else if (!args.isObject()) {
                    problems.add(at + ".function.arguments must be an object or a JSON string, found "
                            + Json.kind(args));
                }
            }
            if (problems.size() == before) {
                out.add(value(c));
            }
        }
        return out;
    }

    /** The id of a parsed tool call, or null. */
    static String callId(Object call) {
        return call instanceof Map<?, ?> m && m.get("id") instanceof String s ? s : null;
    }

    /** The function name of a parsed tool call, or null. */
    static String callName(Object call) {
        return call instanceof Map<?, ?> m && m.get("function") instanceof Map<?, ?> f && f.get("name") instanceof String s
                ? s : null;
    }

    /**
     * Bedrock {@code toolConfig: {"tools": [{"toolSpec": {"name", "description", "inputSchema": {"json": …}}}]}} as
     * transformers-style tool schemas.
     */
    static List<Object> bedrockTools(JsonNode config, List<String> problems) {
        JsonNode tools = config.isObject() ? config.get("tools") : null;
        if (tools == null || !tools.isArray() || !Json.extra(Json.keys(config), Set.of("tools", "toolChoice"))
                .isEmpty()) {
            problems.add("'toolConfig' must be {\"tools\": [{\"toolSpec\": {\"name\", \"description\", \"inputSchema\":"
                    + " {\"json\": …}}}]}, found " + (config.isObject() ? "keys " + Json.keys(config)
                    : Json.kind(config)));
            return List.of();
        }
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode spec = tools.get(i).path("toolSpec");
            String where = "toolConfig.tools[" + i + "].toolSpec";
            if (!spec.isObject() || !spec.path("name").isTextual() || spec.get("name").asText().isBlank()) {
                problems.add(where + " must be an object with a non-empty string 'name'");
                continue;
            }
            JsonNode schema = spec.path("inputSchema").path("json");
            if (spec.has("inputSchema") && !schema.isObject()) {
                problems.add(where + ".inputSchema must be {\"json\": {JSON schema object}}");
                continue;
            }
            ObjectNode f = F.objectNode();
            f.set("name", spec.get("name"));
            if (spec.has("description")) {
                f.set("description", spec.get("description"));
            }
            if (schema.isObject()) {
                f.set("parameters", schema);
            }
            ObjectNode tool = F.objectNode().put("type", "function");
            tool.set("function", f);
            out.add(value(tool));
        }
        return out;
    }

    /** A Bedrock {@code toolUse} block as a tool call {@code {"id", "type": "function", "function": {"name", "arguments"}}}. */
    static Object bedrockToolUse(JsonNode use, String where, List<String> problems) {
        if (!use.isObject() || !use.path("toolUseId").isTextual() || !use.path("name").isTextual()
                || !use.path("input").isObject()) {
            problems.add(where + ".toolUse must be {\"toolUseId\": string, \"name\": string, \"input\": object}, found "
                    + (use.isObject() ? "keys " + Json.keys(use) : Json.kind(use)));
            return null;
        }
        ObjectNode function = F.objectNode();
        function.set("name", use.get("name"));
        function.set("arguments", use.get("input"));
        ObjectNode call = F.objectNode();
        call.set("id", use.get("toolUseId"));
        call.put("type", "function");
        call.set("function", function);
        return value(call);
    }

    /**
     * A Bedrock {@code toolResult} block {@code {"toolUseId", "content": [{"text"} | {"json"}], "status"?}} as a tool
     * message; {@code json} blocks become their compact JSON text, blocks are joined with newlines. The function
     * name comes from the tool call with the same id ({@code names}), when there was one.
     */
    static Message bedrockToolResult(JsonNode result, String where, Map<String, String> names, List<String> problems) {
        JsonNode content = result.path("content");
        if (!result.isObject() || !result.path("toolUseId").isTextual() || !content.isArray()
                || !Json.extra(Json.keys(result), Set.of("toolUseId", "content", "status")).isEmpty()) {
            problems.add(where + ".toolResult must be {\"toolUseId\": string, \"content\": [{\"text\"} or {\"json\"}],"
                    + " \"status\"?}, found " + (result.isObject() ? "keys " + Json.keys(result) : Json.kind(result)));
            return null;
        }
        JsonNode status = result.get("status");
        if (status != null && !(status.isTextual() && Set.of("success", "error").contains(status.asText()))) {
            problems.add(where + ".toolResult.status must be \"success\" or \"error\", found " + status);
            return null;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            JsonNode b = content.get(i);
            Set<String> keys = b.isObject() ? Json.keys(b) : Set.of();
            if (i > 0) {
                text.append('\n');
            }
            if (keys.equals(Set.of("text")) && b.get("text").isTextual()) {
                text.append(b.get("text").asText());
            } else if (keys.equals(Set.of("json"))) {
                text.append(b.get("json").toString());
            } else {
                problems.add(where + ".toolResult.content[" + i + "] must be {\"text\": string} or {\"json\": value},"
                        + " found " + (b.isObject() ? "keys " + keys : Json.kind(b)));
                return null;
            }
        }
        String id = result.get("toolUseId").asText();
        return new Message("tool", text.toString(), List.of(), id, names.get(id));
    }
}
