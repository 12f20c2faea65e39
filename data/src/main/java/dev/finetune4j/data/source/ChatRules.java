package dev.finetune4j.data.source;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The conversation rules checked when {@code validate_inputs} is on (Databricks rules, docs/training.md §4.6):
 * roles system/user/assistant/tool, system only as the first message (and not at all for Mistral-family templates),
 * user/assistant alternation starting with user, the last message from the assistant, non-empty string content.
 * Tool calling (docs/formats.md "Tool calling"): an assistant message with {@code tool_calls} is answered by one
 * tool message per call (in any order, matched by {@code tool_call_id} when the calls have ids), then the
 * assistant continues; a tool message needs a preceding tool call; an assistant that calls tools may have no text.
 */
final class ChatRules {

    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

    private ChatRules() {
    }

    /** Adds a reason per broken rule to {@code problems}. */
    static void check(List<Message> messages, boolean allowSystem, List<String> problems) {
        String expected = "user";
        List<Object> pendingCalls = new ArrayList<>(); // tool calls not answered yet
        int answered = 0;
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            String where = "messages[" + i + "]";
            if (!ROLES.contains(m.role())) {
                problems.add(where + ".role '" + m.role() + "' is not one of system, user, assistant, tool");
                return;
            }
            boolean calls = !m.toolCalls().isEmpty();
            if ((m.content() == null || m.content().isBlank()) && !calls) {
                problems.add(where + ".content is empty; every message needs text (an assistant message that calls"
                        + " tools may have none)");
            }
            if (m.role().equals("system")) {
                if (i > 0) {
                    problems.add(where + " is a system message; system is only allowed as the first message");
                    return;
                }
                if (!allowSystem) {
                    problems.add(where + " is a system message, but this model's chat template (Mistral and Gemma "
                            + "families) takes no system messages; fold the instructions into the first user message");
                }
                continue;
            }
            if (m.role().equals("tool")) {
                if (pendingCalls.isEmpty()) {
                    problems.add(where + " is a tool result without a preceding tool call; a tool message answers an"
                            + " assistant message's tool_calls" + (answered > 0 ? " (all " + answered + " calls were"
                            + " already answered)" : ""));
                    return;
                }
                if (!answer(pendingCalls, m, where, problems)) {
                    return;
                }
                answered++;
                expected = pendingCalls.isEmpty() ? "assistant" : "tool";
                continue;
            }
            if (!pendingCalls.isEmpty()) {
                problems.add(where + " has role '" + m.role() + "' but " + pendingCalls.size() + " tool call(s) of the"
                        + " previous assistant message have no tool result yet; each call needs a role 'tool' message");
                return;
            }
            if (!m.role().equals(expected) && !(expected.equals("tool") && m.role().equals("assistant"))) {
                problems.add(where + " has role '" + m.role() + "' but '" + expected + "' was expected (after the optional "
                        + "system message, roles alternate user, assistant, user, …; tool results follow the assistant's"
                        + " tool calls)");
                return;
            }
            if (calls) {
                pendingCalls.addAll(m.toolCalls());
                answered = 0;
                expected = "tool";
            } else {
                expected = expected.equals("user") ? "assistant" : "user";
            }
        }
        Message last = messages.get(messages.size() - 1);
        if (!last.role().equals("assistant")) {
            problems.add("the last message has role '" + last.role() + "'; a conversation must end with an assistant message");
        }
    }

    /** Removes the call a tool message answers from {@code pending}; false (with a problem) when none matches. */
    private static boolean answer(List<Object> pending, Message m, String where, List<String> problems) {
        boolean ids = pending.stream().allMatch(c -> ToolShapes.callId(c) != null);
        if (m.toolCallId() != null && ids) {
            for (int k = 0; k < pending.size(); k++) {
                if (m.toolCallId().equals(ToolShapes.callId(pending.get(k)))) {
                    pending.remove(k);
                    return true;
                }
            }
            problems.add(where + ".tool_call_id '" + m.toolCallId() + "' matches none of the pending tool calls "
                    + pending.stream().map(ToolShapes::callId).toList());
            return false;
        }
        if (m.name() != null) {
            for (int k = 0; k < pending.size(); k++) {
                if (m.name().equals(ToolShapes.callName(pending.get(k)))) {
                    pending.remove(k);
                    return true;
                }
            }
            problems.add(where + ".name '" + m.name() + "' matches none of the pending tool calls "
                    + pending.stream().map(ToolShapes::callName).toList());
            return false;
        }
        pending.remove(0); // neither id nor name: results answer the calls in order
        return true;
    }
}
