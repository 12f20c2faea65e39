package dev.finetune4j.tokenizer.jinja;

import java.util.List;
import java.util.Map;

/** Per-render state: the globals (builtins + caller context), the messages and the budget. */
final class RenderState {
    final Map<String, Object> globals;
    /** The conversation's messages (identity is used to name the failing message in errors), or empty. */
    final List<Object> messages;
    final RenderBudget budget;

    RenderState(Map<String, Object> globals, List<Object> messages, RenderBudget budget) {
        this.globals = globals;
        this.messages = messages;
        this.budget = budget;
    }

    /** Index of {@code item} (by identity) in the messages, or -1. */
    int messageIndexOf(Object item) {
        if (item == null || item instanceof String || item instanceof Long || item instanceof Boolean) {
            return -1;
        }
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i) == item) {
                return i;
            }
        }
        return -1;
    }
}
