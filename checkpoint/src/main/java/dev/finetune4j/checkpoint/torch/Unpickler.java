package dev.finetune4j.checkpoint.torch;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A pickle virtual machine for protocols 0–5 that never runs code: every GLOBAL goes through {@link PickleGlobals}
 * (an allow-list), persistent ids through a loader. Python values become Java values: dict → LinkedHashMap, list →
 * ArrayList, tuple → {@link PyTuple}, str → String, int → Long/BigInteger, float → Double, bool → Boolean, None →
 * null, bytes → byte[], set → LinkedHashSet. Any malformed input gives a {@link CheckpointFormatException} with the
 * byte offset of the offending opcode.
 */
final class Unpickler {
    private final ByteBuffer in;
    private final String source;
    private final PickleGlobals globals;
    private final Function<Object, Object> persistentLoad;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private int opcodeStart;

    Unpickler(ByteBuffer data, String source, PickleGlobals globals, Function<Object, Object> persistentLoad) {
        this.in = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.source = source;
        this.globals = globals;
        this.persistentLoad = persistentLoad;
    }

    /** Position after the last STOP (for streams of several pickles). */
    int position() {
        return in.position();
    }

    /** Runs until STOP and returns the value. */
    Object load() {
        stack.clear();
        marks.clear();
        memo.clear();
        try {
            while (true) {
                opcodeStart = in.position();
                if (!in.hasRemaining()) {
                    throw fail("pickle data was truncated (no STOP opcode)");
                }
                int op = in.get() & 0xff;
                if (op == '.') {
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw fail(stack.isEmpty() ? "unpickling stack underflow at STOP"
                                : "STOP with " + stack.size() + " values on the stack");
                    }
                    PickleGraph.check(stack.get(0), source);
                    return stack.get(0);
                }
                step(op);
            }
        } catch (CheckpointFormatException e) {
            throw e;
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw fail("pickle data was truncated", e);
        } catch (ClassCastException | IllegalArgumentException | ArithmeticException | IllegalStateException
                 | UnsupportedOperationException | NullPointerException e) {
            throw fail("malformed pickle (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
    }

    CheckpointFormatException fail(String what) {
        return CheckpointFormatException.of(source, what + " at byte " + opcodeStart);
    }

    private CheckpointFormatException fail(String what, Throwable cause) {
        return CheckpointFormatException.of(source, what + " at byte " + opcodeStart, cause);
    }

    private void step(int op) {
        switch (op) {
            case 0x80: { // PROTO
                int proto = in.get() & 0xff;
                if (proto > 5) {
                    throw fail("unsupported pickle protocol " + proto);
                }
                break;
            }
            case 0x95: // FRAME
                in.getLong();
                break;
            case '(': marks.add(stack.size()); break;
            case ')': push(new PyTuple(List.of())); break;
            case ']': push(new ArrayList<>()); break;
            case '}': push(new LinkedHashMap<>()); break;
            case 0x8f: push(new LinkedHashSet<>()); break;
            case 'N': push(null); break;
            case 0x88: push(Boolean.TRUE); break;
            case 0x89: push(Boolean.FALSE); break;
            case 'K': push((long) (in.get() & 0xff)); break;
            case 'M': push((long) (in.getShort() & 0xffff)); break;
            case 'J': push((long) in.getInt()); break;
            case 0x8a: push(readLong(in.get() & 0xff)); break;
            case 0x8b: push(readLong(checkLength(in.getInt()))); break;
            case 'G': push(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); break;
            case 'X': push(utf8(checkLength(in.getInt()))); break;
            case 0x8c: push(utf8(in.get() & 0xff)); break;
            case 0x8d: push(utf8(checkLength(in.getLong()))); break;
            case 'T': push(legacyString(bytes(checkLength(in.getInt())))); break;
            case 'U': push(legacyString(bytes(in.get() & 0xff))); break;
            case 'B': push(bytes(checkLength(in.getInt()))); break;
            case 'C': push(bytes(in.get() & 0xff)); break;
            case 0x8e: push(bytes(checkLength(in.getLong()))); break;
            case 0x96: push(bytes(checkLength(in.getLong()))); break;
            case 0x98: break; // READONLY_BUFFER: no-op on our values
            case 0x97: throw fail("out-of-band pickle buffers (NEXT_BUFFER) are not supported");
            case 'I': push(parseIntLine(line())); break;
            case 'L': {
                String s = line();
                push(normalize(new BigInteger(s.endsWith("L") ? s.substring(0, s.length() - 1) : s)));
                break;
            }
            case 'F': push(Double.parseDouble(line())); break;
            case 'S': push(PythonLiterals.unquoteBytesRepr(line())); break;
            case 'V': push(PythonLiterals.rawUnicodeEscape(line())); break;
            case 't': push(new PyTuple(popMark())); break;
            case 0x85: push(PyTuple.of(pop())); break;
            case 0x86: { Object b = pop(); Object a = pop(); push(PyTuple.of(a, b)); break; }
            case 0x87: { Object c = pop(); Object b = pop(); Object a = pop(); push(PyTuple.of(a, b, c)); break; }
            case 'l': push(new ArrayList<>(popMark())); break;
            case 'd': {
                List<Object> items = popMark();
                Map<Object, Object> m = new LinkedHashMap<>();
                putPairs(m, items);
                push(m);
                break;
            }
            case 'a': { Object v = pop(); asList(top()).add(v); break; }
            case 'e': { List<Object> items = popMark(); asList(top()).addAll(items); break; }
            case 's': { Object v = pop(); Object k = pop(); asMap(top()).put(checkKey(k), v); break; }
            case 'u': { List<Object> items = popMark(); putPairs(asMap(top()), items); break; }
            case 0x90: { List<Object> items = popMark(); asSet(top()).addAll(checkKeys(items)); break; }
            case 0x91: push(Set.copyOf(new LinkedHashSet<>(checkKeys(popMark())))); break;
            case '0': pop(); break;
            case '1': popMark(); break;
            case '2': push(top()); break;
            case 'p': memo.put(Long.parseLong(line().trim()), top()); break;
            case 'q': memo.put((long) (in.get() & 0xff), top()); break;
            case 'r': memo.put(in.getInt() & 0xffffffffL, top()); break;
            case 0x94: memo.put((long) memo.size(), top()); break;
            case 'g': push(memoGet(Long.parseLong(line().trim()))); break;
            case 'h': push(memoGet(in.get() & 0xff)); break;
            case 'j': push(memoGet(in.getInt() & 0xffffffffL)); break;
            case 'c': {
                String module = line();
                String name = line();
                push(globals.find(module, name));
                break;
            }
            case 0x93: {
                Object name = pop();
                Object module = pop();
                if (!(module instanceof String) || !(name instanceof String)) {
                    throw fail("STACK_GLOBAL needs two strings");
                }
                push(globals.find((String) module, (String) name));
                break;
            }
            case 'R': {
                Object args = pop();
                Object fn = pop();
                push(globals.call(fn, asTuple(args)));
                break;
            }
            case 0x81: {
                Object args = pop();
                Object cls = pop();
                push(globals.newObject(cls, asTuple(args), Map.of()));
                break;
            }
            case 0x92: {
                Object kwargs = pop();
                Object args = pop();
                Object cls = pop();
                push(globals.newObject(cls, asTuple(args), asMap(kwargs)));
                break;
            }
            case 'i': { // INST
                String module = line();
                String name = line();
                Object cls = globals.find(module, name);
                push(globals.call(cls, new PyTuple(popMark())));
                break;
            }
            case 'o': { // OBJ
                List<Object> items = popMark();
                if (items.isEmpty()) {
                    throw fail("OBJ without a class");
                }
                push(globals.call(items.get(0), new PyTuple(items.subList(1, items.size()))));
                break;
            }
            case 'b': {
                Object state = pop();
                Object obj = pop();
                push(globals.build(obj, state));
                break;
            }
            case 'Q': push(persistentLoad.apply(pop())); break;
            case 'P': push(persistentLoad.apply(line())); break;
            case 0x82: case 0x83: case 0x84:
                throw fail("pickle extension registry opcodes (EXT1/2/4) are not supported");
            default:
                throw fail("unknown pickle opcode 0x" + Integer.toHexString(op));
        }
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw fail("unpickling stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object top() {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw fail("unpickling stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) {
            throw fail("could not find MARK");
        }
        int m = marks.remove(marks.size() - 1);
        List<Object> tail = stack.subList(m, stack.size());
        List<Object> items = new ArrayList<>(tail);
        tail.clear();
        return items;
    }

    private Object memoGet(long key) {
        if (!memo.containsKey(key)) {
            throw fail("memo key " + key + " was never stored");
        }
        return memo.get(key);
    }

    private void putPairs(Map<Object, Object> m, List<Object> items) {
        if (items.size() % 2 != 0) {
            throw fail("odd number of items for a dict");
        }
        for (int i = 0; i < items.size(); i += 2) {
            m.put(checkKey(items.get(i)), items.get(i + 1));
        }
    }

    /** Java hashes keys recursively: a key must be Python-hashable and small (see {@link PickleGraph}). */
    private Object checkKey(Object k) {
        PickleGraph.checkHashable(k, source, opcodeStart);
        return k;
    }

    private List<Object> checkKeys(List<Object> items) {
        for (Object item : items) {
            checkKey(item);
        }
        return items;
    }

    @SuppressWarnings("unchecked")
    private List<Object> asList(Object o) {
        if (!(o instanceof List)) {
            throw fail("APPEND target is not a list but " + typeName(o));
        }
        return (List<Object>) o;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asMap(Object o) {
        if (!(o instanceof Map)) {
            throw fail("SETITEM target is not a dict but " + typeName(o));
        }
        return (Map<Object, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private Collection<Object> asSet(Object o) {
        if (!(o instanceof Set)) {
            throw fail("ADDITEMS target is not a set but " + typeName(o));
        }
        return (Collection<Object>) o;
    }

    private PyTuple asTuple(Object o) {
        if (!(o instanceof PyTuple)) {
            throw fail("call arguments are not a tuple but " + typeName(o));
        }
        return (PyTuple) o;
    }

    static String typeName(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    private int checkLength(long n) {
        if (n < 0 || n > in.remaining()) {
            throw fail("length " + n + " runs past the end of the pickle (" + in.remaining() + " bytes left)");
        }
        return (int) n;
    }

    private byte[] bytes(int n) {
        checkLength(n);
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private String utf8(int n) {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    private static String legacyString(byte[] b) {
        // torch.load decodes Python 2 str with encoding='utf-8' (latin-1 as the fallback for invalid input)
        java.nio.charset.CharsetDecoder d = StandardCharsets.UTF_8.newDecoder();
        try {
            return d.decode(ByteBuffer.wrap(b)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return new String(b, StandardCharsets.ISO_8859_1);
        }
    }

    private Object readLong(int n) {
        checkLength(n);
        if (n == 0) {
            return 0L;
        }
        byte[] le = bytes(n);
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        return normalize(new BigInteger(be));
    }

    static Object normalize(BigInteger v) {
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Object parseIntLine(String s) {
        if (s.equals("00")) {
            return Boolean.FALSE;
        }
        if (s.equals("01")) {
            return Boolean.TRUE;
        }
        return normalize(new BigInteger(s.trim()));
    }

    private String line() {
        int start = in.position();
        int limit = in.limit();
        for (int i = start; i < limit; i++) {
            if (in.get(i) == '\n') {
                byte[] b = new byte[i - start];
                in.get(b);
                in.get();
                return new String(b, StandardCharsets.UTF_8);
            }
        }
        throw fail("pickle data was truncated inside a text line");
    }
}
