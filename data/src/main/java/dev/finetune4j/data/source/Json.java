package dev.finetune4j.data.source;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** Strict JSON (duplicate keys and trailing garbage are errors) and small helpers for messages about nodes. */
final class Json {

    static final ObjectMapper MAPPER = JsonMapper.builder(com.fasterxml.jackson.core.JsonFactory.builder()
                    // a continued-pretraining {"text"} line may hold a whole book, up to the maximum record size
                    .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                            .maxStringLength(SampleReader.MAX_RECORD_BYTES).build())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE)
            .build();

    /** Reads one array element from a streaming parser (the array's remaining tokens are not "trailing"). */
    static final com.fasterxml.jackson.databind.ObjectReader ELEMENT_READER = MAPPER.readerFor(JsonNode.class)
            .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {
    }

    /** "string", "array", "object", "number", "boolean" or "null". */
    static String kind(JsonNode node) {
        return node == null ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    /** The object's keys, sorted. */
    static Set<String> keys(JsonNode object) {
        Set<String> keys = new TreeSet<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        return keys;
    }

    /** Keys of {@code keys} not in {@code allowed}, as a list for messages. */
    static List<String> extra(Set<String> keys, Set<String> allowed) {
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            if (!allowed.contains(k)) {
                out.add(k);
            }
        }
        return out;
    }
}
