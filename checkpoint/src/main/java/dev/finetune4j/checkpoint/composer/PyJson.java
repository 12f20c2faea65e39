package dev.finetune4j.checkpoint.composer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts between JSON trees and the Python value model (what json.load gives in Python), both ways. */
public final class PyJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private PyJson() {
    }

    /** A JSON tree as Python values: object → dict, array → list, numbers → Long/BigInteger/Double. */
    public static Object toPython(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                m.put(e.getKey(), toPython(e.getValue()));
            }
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(x -> l.add(toPython(x)));
            return l;
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isIntegralNumber()) {
            BigInteger b = n.bigIntegerValue();
            return b.bitLength() < 64 ? (Object) b.longValue() : b;
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        return n.asText();
    }

    /** Python values (dicts with string keys, lists, tuples, scalars) as a JSON tree. */
    public static JsonNode toJson(Object o) {
        if (o == null) {
            return F.nullNode();
        }
        if (o instanceof Map<?, ?> m) {
            ObjectNode n = F.objectNode();
            m.forEach((k, v) -> n.set(String.valueOf(k), toJson(v)));
            return n;
        }
        if (o instanceof List<?> l) {
            ArrayNode a = F.arrayNode();
            l.forEach(x -> a.add(toJson(x)));
            return a;
        }
        if (o instanceof dev.finetune4j.checkpoint.torch.PyTuple t) {
            return toJson(t.items());
        }
        if (o instanceof Boolean b) {
            return F.booleanNode(b);
        }
        if (o instanceof Long l) {
            return F.numberNode(l);
        }
        if (o instanceof BigInteger b) {
            return F.numberNode(b);
        }
        if (o instanceof Double d) {
            return F.numberNode(d);
        }
        return F.textNode(String.valueOf(o));
    }
}
