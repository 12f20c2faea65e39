package dev.finetune4j.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/** The line of each dotted key in a YAML/JSON text, so errors can say {@code run.yaml:12}. */
final class KeyLines {
    private KeyLines() {
    }

    /** A mapping or list being read; {@code prefix} is the dotted path of a mapping, null inside lists. */
    private record Frame(String prefix, boolean list) {
    }

    /** Dotted key path → 1-based line of the key; keys inside lists are not indexed. Empty if unparsable. */
    static Map<String, Integer> index(String text, ObjectMapper mapper) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = mapper.getFactory().createParser(text)) {
            Deque<Frame> stack = new ArrayDeque<>();
            String lastKey = null;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                Frame top = stack.peek();
                switch (t) {
                    case FIELD_NAME -> {
                        if (top != null && top.prefix() != null) {
                            lastKey = top.prefix().isEmpty() ? p.currentName() : top.prefix() + "." + p.currentName();
                            lines.putIfAbsent(lastKey, p.currentTokenLocation().getLineNr());
                        } else {
                            lastKey = null;
                        }
                    }
                    case START_OBJECT -> stack.push(new Frame(top == null ? "" : top.list() ? null : lastKey, false));
                    case START_ARRAY -> stack.push(new Frame(null, true));
                    case END_OBJECT, END_ARRAY -> stack.pop();
                    default -> {
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return Map.of(); // the real parse reports the syntax error
        }
        return lines;
    }
}
