package dev.finetune4j.data.source;

import java.util.List;
import java.util.Set;

/**
 * The conversation rules checked when {@code validate_inputs} is on (Databricks rules, docs/training.md §4.6):
 * roles system/user/assistant, system only as the first message (and not at all for Mistral-family templates),
 * user/assistant alternation starting with user, the last message from the assistant, non-empty string content.
 */
final class ChatRules {

    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    private ChatRules() {
    }

    /** Adds a reason per broken rule to {@code problems}. */
    static void check(List<Message> messages, boolean allowSystem, List<String> problems) {
        String expected = "user";
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            String where = "messages[" + i + "]";
            if (!ROLES.contains(m.role())) {
                problems.add(where + ".role '" + m.role() + "' is not one of system, user, assistant");
                return;
            }
            if (m.content().isBlank()) {
                problems.add(where + ".content is empty; every message needs text");
            }
            if (m.role().equals("system")) {
                if (i > 0) {
                    problems.add(where + " is a system message; system is only allowed as the first message");
                    return;
                }
                if (!allowSystem) {
                    problems.add(where + " is a system message, but this model's chat template (Mistral family) takes "
                            + "no system messages; fold the instructions into the first user message");
                }
                continue;
            }
            if (!m.role().equals(expected)) {
                problems.add(where + " has role '" + m.role() + "' but '" + expected + "' was expected (after the optional "
                        + "system message, roles alternate user, assistant, user, …)");
                return;
            }
            expected = expected.equals("user") ? "assistant" : "user";
        }
        Message last = messages.get(messages.size() - 1);
        if (!last.role().equals("assistant")) {
            problems.add("the last message has role '" + last.role() + "'; a conversation must end with an assistant message");
        }
    }
}
