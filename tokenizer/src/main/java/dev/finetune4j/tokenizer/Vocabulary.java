package dev.finetune4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Token ↔ id of a {@code tokenizer.json}: the model vocabulary ({@code model.vocab} as an object for BPE, WordPiece
 * and WordLevel, or a list of {@code [token, score]} pairs for Unigram) plus {@code added_tokens}.
 */
final class Vocabulary {
    private final Map<String, Integer> ids;
    private final String[] tokens;

    private Vocabulary(Map<String, Integer> ids, String[] tokens) {
        this.ids = ids;
        this.tokens = tokens;
    }

    static Vocabulary of(JsonNode tokenizerJson, Path file) {
        Map<String, Integer> ids = new HashMap<>();
        JsonNode vocab = tokenizerJson.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().canConvertToInt()) {
                    throw new TokenizerLoadException(file + ": model.vocab[\"" + e.getKey() + "\"] must be an integer id");
                }
                ids.put(e.getKey(), e.getValue().asInt());
            }
        } else if (vocab.isArray()) {
            int i = 0;
            for (JsonNode pair : vocab) {
                if (!pair.isArray() || pair.size() < 1 || !pair.get(0).isTextual()) {
                    throw new TokenizerLoadException(file + ": model.vocab[" + i + "] must be [token, score]");
                }
                ids.put(pair.get(0).asText(), i++);
            }
        } else {
            throw new TokenizerLoadException(file + ": model.vocab is missing; supported models are BPE, WordPiece, "
                    + "WordLevel (vocab object) and Unigram (vocab list)");
        }
        JsonNode added = tokenizerJson.path("added_tokens");
        int i = 0;
        for (JsonNode t : added) {
            if (!t.path("id").canConvertToInt() || !t.path("content").isTextual()) {
                throw new TokenizerLoadException(file + ": added_tokens[" + i + "] must have an integer 'id' and a "
                        + "string 'content'");
            }
            ids.put(t.get("content").asText(), t.get("id").asInt());
            i++;
        }
        int size = 0;
        for (int id : ids.values()) {
            if (id < 0) {
                throw new TokenizerLoadException(file + ": negative token id " + id);
            }
            size = Math.max(size, id + 1);
        }
        String[] tokens = new String[size];
        for (Map.Entry<String, Integer> e : ids.entrySet()) {
            tokens[e.getValue()] = e.getKey();
        }
        for (JsonNode t : added) { // an added token wins where it shares an id with the model vocabulary
            tokens[t.get("id").asInt()] = t.get("content").asText();
        }
        return new Vocabulary(ids, tokens);
    }

    OptionalInt id(String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    String token(int id) {
        if (id < 0 || id >= tokens.length || tokens[id] == null) {
            throw new IllegalArgumentException("token id " + id + " is not in the vocabulary (ids 0.."
                    + (tokens.length - 1) + ")");
        }
        return tokens[id];
    }

    int size() {
        return tokens.length;
    }
}
