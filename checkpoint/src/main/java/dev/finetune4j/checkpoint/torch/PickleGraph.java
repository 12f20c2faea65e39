package dev.finetune4j.checkpoint.torch;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Bounds on an unpickled object graph, checked without recursion before anything walks it (inspect, the Composer
 * readers, {@code equals}/{@code hashCode}/{@code toString}): no container may contain itself (Python allows it, a
 * recursive Java walk would overflow the stack), nesting is at most {@link #MAX_DEPTH}, the graph has at most
 * {@link #MAX_OBJECTS} distinct containers, and its expansion as a tree (shared sub-objects counted once per
 * reference: a "memo bomb" of a few hundred bytes can expand to 2^100 values) is at most {@link #MAX_EXPANDED}
 * values. Real checkpoints are far below (a state dict of tensors: depth under 10, expansion about 10 values per
 * tensor).
 */
final class PickleGraph {
    static final int MAX_DEPTH = 500;
    static final long MAX_OBJECTS = 5_000_000;
    static final long MAX_EXPANDED = 10_000_000;
    /** A dict key or set member is hashed (recursively) by Java: at most this many values, this deep. */
    static final int MAX_KEY_VALUES = 10_000;

    private PickleGraph() {
    }

    /** Refuses {@code root} with a {@link CheckpointFormatException} naming {@code source} and the bound it breaks. */
    static void check(Object root, String source) {
        // iterative post-order walk: on-path containers detect cycles, finished ones carry their expanded size
        IdentityHashMap<Object, Long> expanded = new IdentityHashMap<>();
        IdentityHashMap<Object, Boolean> onPath = new IdentityHashMap<>();
        Deque<Object> path = new ArrayDeque<>();
        Deque<Iterator<?>> pending = new ArrayDeque<>();
        Deque<long[]> sizes = new ArrayDeque<>();
        if (!isContainer(root)) {
            return;
        }
        enter(root, path, pending, sizes, onPath, source);
        while (!path.isEmpty()) {
            Iterator<?> it = pending.peek();
            if (it.hasNext()) {
                Object child = it.next();
                if (!isContainer(child)) {
                    add(sizes.peek(), 1, source);
                } else if (onPath.containsKey(child)) {
                    throw CheckpointFormatException.of(source, "the pickled object contains itself (a "
                            + typeName(child) + " inside its own contents); cyclic structures are refused");
                } else if (expanded.containsKey(child)) {
                    add(sizes.peek(), expanded.get(child), source);
                } else {
                    if (path.size() >= MAX_DEPTH) {
                        throw CheckpointFormatException.of(source, "the pickled object nests deeper than "
                                + MAX_DEPTH + " levels (limit MAX_DEPTH)");
                    }
                    enter(child, path, pending, sizes, onPath, source);
                    if (expanded.size() + path.size() > MAX_OBJECTS) {
                        throw CheckpointFormatException.of(source, "the pickled object has more than "
                                + MAX_OBJECTS + " containers (limit MAX_OBJECTS)");
                    }
                }
            } else {
                Object done = path.pop();
                pending.pop();
                long size = sizes.pop()[0];
                onPath.remove(done);
                expanded.put(done, size);
                if (!sizes.isEmpty()) {
                    add(sizes.peek(), size, source);
                }
            }
        }
    }

    private static void enter(Object o, Deque<Object> path, Deque<Iterator<?>> pending, Deque<long[]> sizes,
            IdentityHashMap<Object, Boolean> onPath, String source) {
        path.push(o);
        onPath.put(o, Boolean.TRUE);
        pending.push(children(o));
        sizes.push(new long[] {1});
    }

    private static void add(long[] size, long n, String source) {
        size[0] += n;
        if (size[0] > MAX_EXPANDED) {
            throw CheckpointFormatException.of(source, "the pickled object expands to more than " + MAX_EXPANDED
                    + " values (shared sub-objects referenced over and over; limit MAX_EXPANDED)");
        }
    }

    /**
     * Checks a dict key or set member before Java hashes it: Python-hashable (no list, dict or mutable set — the
     * unpickler's {@code LinkedHashSet} — inside), at most
     * {@link #MAX_KEY_VALUES} values and {@link #MAX_DEPTH} levels when expanded.
     */
    static void checkHashable(Object key, String source, int offset) {
        // depth < 0 marks values inside an object's state: Java hashes them (bounded here), Python's hash is the
        // dataclass's own (DCP's MetadataIndex), so only the size matters there
        Deque<Object> todo = new ArrayDeque<>();
        Deque<Integer> depths = new ArrayDeque<>();
        todo.push(key);
        depths.push(1);
        int seen = 0;
        while (!todo.isEmpty()) {
            Object o = todo.pop();
            int depth = depths.pop();
            if (++seen > MAX_KEY_VALUES || Math.abs(depth) > MAX_DEPTH) {
                throw CheckpointFormatException.of(source, "a dict key or set member expands to more than "
                        + MAX_KEY_VALUES + " values or " + MAX_DEPTH + " levels (limit MAX_KEY_VALUES) at byte "
                        + offset);
            }
            boolean inObject = depth < 0;
            int next = inObject ? depth - 1 : depth + 1;
            if (!inObject && (o instanceof List || o instanceof Map || o instanceof java.util.LinkedHashSet)) {
                throw CheckpointFormatException.of(source, "unhashable dict key or set member of type "
                        + typeName(o) + " at byte " + offset);
            }
            Iterator<?> children = o instanceof PyObject p ? p.state().values().iterator()
                    : isContainer(o) ? children(o) : null;
            if (o instanceof PyObject) {
                next = -Math.abs(depth) - 1;
            }
            if (o instanceof Map<?, ?> m) {
                children = java.util.stream.Stream.concat(m.keySet().stream(), m.values().stream()).iterator();
            }
            while (children != null && children.hasNext()) {
                todo.push(children.next());
                depths.push(next);
            }
        }
    }

    private static boolean isContainer(Object o) {
        return o instanceof Collection || o instanceof Map || o instanceof PyTuple || o instanceof PyObject;
    }

    private static Iterator<?> children(Object o) {
        if (o instanceof PyTuple t) {
            return t.items().iterator();
        }
        if (o instanceof PyObject p) {
            return p.state().values().iterator();
        }
        if (o instanceof Map<?, ?> m) {
            // keys are hashable (checked while loading): only values can lead back into a container
            return m.values().iterator();
        }
        return ((Collection<?>) o).iterator();
    }

    private static String typeName(Object o) {
        if (o instanceof List) {
            return "list";
        }
        if (o instanceof Map) {
            return "dict";
        }
        if (o instanceof PyTuple) {
            return "tuple";
        }
        if (o instanceof java.util.Set) {
            return "set";
        }
        return o.getClass().getSimpleName();
    }
}
