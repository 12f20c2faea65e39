package dev.finetune4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.MappingStartEvent;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.events.SequenceStartEvent;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;

/**
 * Reads YAML into a tree with anchors and aliases resolved: {@code eval_prompts: [*greeting]} holds the anchored
 * value, not the anchor's name (Jackson's tree reader leaves an alias as its name). Plain scalars are typed exactly as
 * Jackson types them (so {@code 1e-5}, {@code true}, {@code ~} mean what they meant before). The expanded tree is
 * bounded — at most {@link #MAX_NODES} values and {@link #MAX_DEPTH} levels — so alias chains cannot blow a small
 * file up ("billion laughs"); SnakeYAML's own limits on the text (nesting depth, code points) still apply.
 */
final class YamlTree {
    static final int MAX_NODES = 100_000;
    static final int MAX_DEPTH = 100;
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String STR_TAG = "tag:yaml.org,2002:str";

    private final Parser events;
    private final YAMLMapper scalars;
    private final Map<String, JsonNode> anchors = new HashMap<>();
    private long nodes;

    private YamlTree(Parser events, YAMLMapper scalars) {
        this.events = events;
        this.scalars = scalars;
    }

    /** The first document as a tree (null for an empty document). */
    static JsonNode read(String text, YAMLMapper mapper) throws IOException {
        try {
            YamlTree t = new YamlTree(new ParserImpl(new StreamReader(text), new LoaderOptions()), mapper);
            while (t.events.peekEvent() != null) {
                Event e = t.events.getEvent();
                if (e instanceof NodeEvent) {
                    return t.value(e, 0);
                }
                if (e.is(Event.ID.DocumentEnd) || e.is(Event.ID.StreamEnd)) {
                    return null;
                }
            }
            return null;
        } catch (YAMLException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private JsonNode value(Event e, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new IOException("nested deeper than " + MAX_DEPTH + " levels (with aliases expanded)");
        }
        if (e instanceof AliasEvent a) {
            JsonNode target = anchors.get(a.getAnchor());
            if (target == null) {
                throw new IOException("alias *" + a.getAnchor() + " at line " + (a.getStartMark().getLine() + 1)
                        + " names no earlier anchor");
            }
            count(size(target));
            return target.deepCopy();
        }
        JsonNode node;
        if (e instanceof MappingStartEvent) {
            ObjectNode o = F.objectNode();
            for (Event k = events.getEvent(); !k.is(Event.ID.MappingEnd); k = events.getEvent()) {
                JsonNode key = value(k, depth + 1);
                if (!key.isValueNode() || key.isNull()) {
                    throw new IOException("a key at line " + (k.getStartMark().getLine() + 1) + " is not a plain "
                            + "value");
                }
                String name = key.asText();
                if (o.has(name)) {
                    throw new IOException("duplicate key '" + name + "' at line " + (k.getStartMark().getLine() + 1));
                }
                o.set(name, value(events.getEvent(), depth + 1));
            }
            node = o;
        } else if (e instanceof SequenceStartEvent) {
            ArrayNode a = F.arrayNode();
            for (Event x = events.getEvent(); !x.is(Event.ID.SequenceEnd); x = events.getEvent()) {
                a.add(value(x, depth + 1));
            }
            node = a;
        } else if (e instanceof ScalarEvent s) {
            node = scalar(s);
        } else {
            throw new IOException("unexpected " + e.getEventId() + " at line " + (e.getStartMark().getLine() + 1));
        }
        count(1);
        String anchor = ((NodeEvent) e).getAnchor();
        if (anchor != null) {
            anchors.put(anchor, node);
        }
        return node;
    }

    /** A quoted or {@code !!str} scalar is text; a plain one is typed as Jackson's YAML parser types it. */
    private JsonNode scalar(ScalarEvent s) throws IOException {
        String v = s.getValue();
        if (s.getScalarStyle() != DumperOptions.ScalarStyle.PLAIN || STR_TAG.equals(s.getTag())) {
            return F.textNode(v);
        }
        if (v.isEmpty()) {
            return F.nullNode();
        }
        try {
            JsonNode typed = scalars.readTree(v);
            return typed != null && typed.isValueNode() ? typed : F.textNode(v);
        } catch (IOException | RuntimeException ex) {
            return F.textNode(v);
        }
    }

    private void count(long n) throws IOException {
        nodes += n;
        if (nodes > MAX_NODES) {
            throw new IOException("more than " + MAX_NODES + " values with aliases expanded");
        }
    }

    private static long size(JsonNode n) {
        long s = 1;
        for (JsonNode c : n) {
            s += size(c);
        }
        return s;
    }
}
