package dev.finetune4j.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Token ↔ id of a {@code tokenizer.json}: the model vocabulary ({@code model.vocab} as an object for BPE, WordPiece
 * and WordLevel, or a list of {@code [token, score]} pairs for Unigram) plus {@code added_tokens}.
 */
final class Vocabulary {
    private static final JsonFactory FACTORY = new ObjectMapper().getFactory();
    private final Map<String, Integer> ids;
    private final String[] tokens;

    private Vocabulary(Map<String, Integer> ids, String[] tokens) {
        this.ids = ids;
        this.tokens = tokens;
    }

    /**
     * Streams {@code model.vocab} and {@code added_tokens} out of tokenizer.json without building a tree (the Llama 3
     * file is 17 MB, mostly merges).
     */
    static Vocabulary read(byte[] tokenizerJson, Path file) {
        Map<String, Integer> ids = new HashMap<>();
        Map<Integer, String> added = new HashMap<>();
        boolean sawVocab = false;
        try (JsonParser p = FACTORY.createParser(tokenizerJson)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new TokenizerLoadException(file + ": expected a JSON object at the top level");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("model") && value == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String modelField = p.currentName();
                        JsonToken v = p.nextToken();
                        if (modelField.equals("vocab")) {
                            sawVocab = true;
                            readVocab(p, v, ids, file);
                        } else {
                            p.skipChildren();
                        }
                    }
                } else if (field.equals("added_tokens") && value == JsonToken.START_ARRAY) {
                    int i = 0;
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        JsonNode t = p.readValueAsTree();
                        if (!t.path("id").canConvertToInt() || !t.path("content").isTextual()) {
                            throw new TokenizerLoadException(file + ": added_tokens[" + i + "] must have an integer "
                                    + "'id' and a string 'content'");
                        }
                        added.put(t.get("id").asInt(), t.get("content").asText());
                        i++;
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new TokenizerLoadException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        if (!sawVocab) {
            throw new TokenizerLoadException(file + ": model.vocab is missing; supported models are BPE, WordPiece, "
                    + "WordLevel (vocab object) and Unigram (vocab list)");
        }
        added.forEach((id, content) -> ids.put(content, id));
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
        // an added token wins where it shares an id with the model vocabulary
        added.forEach((id, content) -> tokens[id] = content);
        return new Vocabulary(ids, tokens);
    }

    private static void readVocab(JsonParser p, JsonToken start, Map<String, Integer> ids, Path file)
            throws IOException {
        if (start == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String token = p.currentName();
                if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                    throw new TokenizerLoadException(file + ": model.vocab[\"" + token + "\"] must be an integer id");
                }
                ids.put(token, p.getIntValue());
            }
        } else if (start == JsonToken.START_ARRAY) {
            int i = 0;
            while (p.nextToken() == JsonToken.START_ARRAY) {
                if (p.nextToken() != JsonToken.VALUE_STRING) {
                    throw new TokenizerLoadException(file + ": model.vocab[" + i + "] must be [token, score]");
                }
                ids.put(p.getText(), i++);
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    p.skipChildren();
                }
            }
        } else {
            throw new TokenizerLoadException(file + ": model.vocab must be an object (BPE, WordPiece, WordLevel) or "
                    + "a list (Unigram)");
        }
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
