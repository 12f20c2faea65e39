package dev.finetune4j.checkpoint.torch;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.StoredTensor;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads torch.save zip archives and legacy (pre-1.6) streams; refuses the pre-1.0 tar format. */
final class TorchReader {
    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final List<String> TEXT_RECORDS = List.of("version", ".data/version", "byteorder",
            ".format_version", ".storage_alignment");

    private TorchReader() {
    }

    static TorchContents read(ByteSource src, String source, boolean distributedMetadata) {
        try {
            if (src.size() >= 4 && src.slice(0, 4).getInt(0) == 0x04034b50) {
                return readZip(src, source, distributedMetadata);
            }
            if (src.size() >= 262) {
                ByteBuffer m = src.slice(257, 5);
                byte[] b = new byte[5];
                m.get(b);
                if (new String(b, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar")) {
                    throw CheckpointFormatException.of(source, "this is the pre-1.0 torch tar format, which is not "
                            + "supported (legacy torch format); load and re-save it with torch >= 1.6");
                }
            }
            return readLegacy(src, source);
        } catch (CheckpointFormatException e) {
            throw e;
        } catch (RuntimeException e) {
            throw CheckpointFormatException.of(source, "malformed torch file (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")", e);
        }
    }

    private static TorchContents readZip(ByteSource src, String source, boolean dcp) {
        ZipArchive zip = new ZipArchive(src, source);
        List<String> names = zip.names();
        if (names.isEmpty()) {
            throw CheckpointFormatException.of(source, "empty zip archive");
        }
        String first = names.get(0);
        int slash = first.indexOf('/');
        String prefix = slash < 0 ? "" : first.substring(0, slash + 1);
        Map<String, String> records = new LinkedHashMap<>();
        for (String r : TEXT_RECORDS) {
            String t = zip.readText(prefix + r);
            if (t != null) {
                records.put(r, t.trim());
            }
        }
        if (records.containsKey("byteorder") && !records.get("byteorder").equals("little")) {
            throw CheckpointFormatException.of(source, "byteorder '" + records.get("byteorder")
                    + "' is not supported (only little-endian archives)");
        }
        String pkl = prefix + "data.pkl";
        if (!zip.contains(pkl)) {
            throw CheckpointFormatException.of(source, "no '" + pkl + "' record: not a torch.save archive");
        }
        WeightsOnlyGlobals globals = new WeightsOnlyGlobals(source, dcp);
        Map<String, StorageRef> storages = new HashMap<>();
        Unpickler u = new Unpickler(zip.read(pkl), source + " (" + pkl + ")", globals, pid -> {
            PyTuple t = persistentId(source, pid);
            StorageType type = (StorageType) t.get(1);
            String key = String.valueOf(t.get(2));
            long numel = asLong(source, t.get(4));
            return storages.computeIfAbsent(key, k -> {
                String rec = prefix + "data/" + k;
                if (!zip.contains(rec)) {
                    throw CheckpointFormatException.of(source, "storage '" + k + "' has no record '" + rec + "'");
                }
                ByteBuffer bytes = zip.read(rec);
                long elem = type.dtype() == null ? 1 : type.dtype().byteSize();
                if (numel < 0 || bytes.remaining() < numel * elem) {
                    throw CheckpointFormatException.of(source, "record '" + rec + "' has " + bytes.remaining()
                            + " bytes but storage '" + k + "' needs " + numel + " elements of " + elem + " bytes");
                }
                bytes = bytes.duplicate().limit((int) (numel * elem)).slice().order(ByteOrder.LITTLE_ENDIAN);
                return new StorageRef(k, type.name(), type.dtype(), numel, bytes);
            });
        });
        Object obj = u.load();
        return new TorchContents("zip", prefix, names, records, globals.seen(), obj);
    }

    private static PyTuple persistentId(String source, Object pid) {
        if (!(pid instanceof PyTuple t) || t.size() < 5 || !"storage".equals(t.get(0))
                || !(t.get(1) instanceof StorageType)) {
            throw CheckpointFormatException.of(source, "unsupported persistent id " + pid
                    + " (expected ('storage', <StorageClass>, key, location, numel))");
        }
        return t;
    }

    private static long asLong(String source, Object o) {
        if (o instanceof Long l) {
            return l;
        }
        throw CheckpointFormatException.of(source, "expected an int in a persistent id, got " + o);
    }

    /** Legacy stream: magic, protocol, sys_info, object pickle, storage-key list, then each storage's bytes. */
    private static TorchContents readLegacy(ByteSource src, String source) {
        if (src.size() > Integer.MAX_VALUE) {
            throw CheckpointFormatException.of(source, "legacy torch format files of 2 GiB or more are not supported");
        }
        ByteBuffer all = src.slice(0, (int) src.size());
        WeightsOnlyGlobals globals = new WeightsOnlyGlobals(source, false);
        Unpickler head = new Unpickler(all, source, globals, pid -> {
            throw CheckpointFormatException.of(source, "unexpected persistent id in the legacy header");
        });
        Object magic = head.load();
        if (!(magic instanceof BigInteger b && b.equals(LEGACY_MAGIC))) {
            throw CheckpointFormatException.of(source, "not a torch file: neither a zip archive nor the legacy torch "
                    + "format (magic number " + abbreviate(magic) + ")");
        }
        int pos = head.position();
        Unpickler protoU = new Unpickler(all.duplicate().position(pos), source, globals, null);
        Object protocol = protoU.load();
        if (!Long.valueOf(1001).equals(protocol)) {
            throw CheckpointFormatException.of(source, "legacy torch format with protocol version " + protocol
                    + " is not supported (expected 1001)");
        }
        pos = protoU.position();
        Unpickler sysU = new Unpickler(all.duplicate().position(pos), source, globals, null);
        Object sysInfo = sysU.load();
        if (sysInfo instanceof Map<?, ?> si && Boolean.FALSE.equals(si.get("little_endian"))) {
            throw CheckpointFormatException.of(source, "big-endian legacy torch files are not supported");
        }
        int objStart = sysU.position();
        // first pass: learn the storages the object refers to and where its pickle ends
        Map<String, StorageRef> placeholders = new HashMap<>();
        Unpickler scan = new Unpickler(all.duplicate().position(objStart), source, new WeightsOnlyGlobals(source, false),
                pid -> legacyStorage(source, pid, placeholders, null));
        scan.load();
        int keysStart = scan.position();
        Unpickler keysU = new Unpickler(all.duplicate().position(keysStart), source, globals, null);
        Object keysObj = keysU.load();
        if (!(keysObj instanceof List<?> keys)) {
            throw CheckpointFormatException.of(source, "legacy storage key list is missing");
        }
        int p = keysU.position();
        Map<String, ByteBuffer> data = new HashMap<>();
        for (Object k : keys) {
            String key = String.valueOf(k);
            StorageRef ph = placeholders.get(key);
            if (ph == null) {
                throw CheckpointFormatException.of(source, "legacy storage '" + key + "' is listed but never used");
            }
            if (p + 8 > all.limit()) {
                throw CheckpointFormatException.of(source, "legacy storage '" + key + "' is truncated (no size)");
            }
            long numel = all.getLong(p);
            p += 8;
            long bytes = numel * ph.dtype().byteSize();
            if (numel < 0 || bytes > all.limit() - p) {
                throw CheckpointFormatException.of(source, "legacy storage '" + key + "' needs " + bytes
                        + " bytes but the file has " + (all.limit() - p) + " left (truncated)");
            }
            data.put(key, all.duplicate().position(p).limit(p + (int) bytes).slice().order(ByteOrder.LITTLE_ENDIAN));
            p += (int) bytes;
        }
        Unpickler objU = new Unpickler(all.duplicate().position(objStart), source, globals,
                pid -> legacyStorage(source, pid, new HashMap<>(), data));
        Object obj = objU.load();
        Map<String, String> records = new LinkedHashMap<>();
        records.put("protocol_version", "1001");
        return new TorchContents("legacy", "", List.of(), records, globals.seen(), obj);
    }

    private static StorageRef legacyStorage(String source, Object pid, Map<String, StorageRef> seen,
                                            Map<String, ByteBuffer> data) {
        PyTuple t = persistentId(source, pid);
        StorageType type = (StorageType) t.get(1);
        if (type.dtype() == null) {
            throw CheckpointFormatException.of(source, "legacy storage class " + type.name() + " is not supported");
        }
        String key = String.valueOf(t.get(2));
        long numel = asLong(source, t.get(4));
        ByteBuffer bytes;
        if (data == null) {
            seen.putIfAbsent(key, new StorageRef(key, type.name(), type.dtype(), numel, ByteBuffer.allocate(0)));
            bytes = ByteBuffer.allocate(0);
        } else {
            bytes = data.get(key);
            if (bytes == null) {
                throw CheckpointFormatException.of(source, "legacy storage '" + key + "' has no data");
            }
            long have = bytes.remaining() / type.dtype().byteSize();
            if (have < numel) {
                throw CheckpointFormatException.of(source, "legacy storage '" + key + "' has " + have
                        + " elements but is used with " + numel);
            }
        }
        Object view = t.size() > 5 ? t.get(5) : null;
        if (view instanceof PyTuple v && v.size() == 3 && data != null) {
            long off = asLong(source, v.get(1));
            long size = asLong(source, v.get(2));
            int es = type.dtype().byteSize();
            if (off < 0 || size < 0 || (off + size) * es > bytes.remaining()) {
                throw CheckpointFormatException.of(source, "legacy storage view of '" + key + "' lies outside it");
            }
            bytes = bytes.duplicate().position((int) (off * es)).limit((int) ((off + size) * es)).slice()
                    .order(ByteOrder.LITTLE_ENDIAN);
            return new StorageRef(String.valueOf(v.get(0)), type.name(), type.dtype(), size, bytes);
        }
        return new StorageRef(key, type.name(), type.dtype(), data == null ? numel : bytes.remaining()
                / type.dtype().byteSize(), bytes);
    }

    private static String abbreviate(Object o) {
        String s = String.valueOf(o);
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    /**
     * Replaces construction helpers by their final values: numpy builders by {@link NumpyArray}, and — when
     * {@code toStored} — tensors by contiguous {@link StoredTensor}s. Shared references stay shared.
     */
    static Object finish(Object o, boolean toStored, String source) {
        return new Finisher(toStored, source).apply(o);
    }

    private static final int MAX_DEPTH = 1000;

    private static final class Finisher {
        private final boolean toStored;
        private final String source;
        private final Map<Object, Object> done = new IdentityHashMap<>();
        private int depth;

        Finisher(boolean toStored, String source) {
            this.toStored = toStored;
            this.source = source;
        }

        Object apply(Object o) {
            if (++depth > MAX_DEPTH) {
                throw CheckpointFormatException.of(source, "values are nested more than " + MAX_DEPTH + " levels deep");
            }
            try {
                return convert(o);
            } finally {
                depth--;
            }
        }

        private Object convert(Object o) {
            if (o == null || o instanceof String || o instanceof Long || o instanceof Double || o instanceof Boolean
                    || o instanceof BigInteger || o instanceof byte[] || o instanceof java.time.Duration
                    || o instanceof PyGlobal || o instanceof NumpyArray || o instanceof StoredTensor) {
                return o;
            }
            Object prev = done.get(o);
            if (prev != null) {
                return prev;
            }
            Object out;
            if (o instanceof TorchTensor t) {
                out = toStored ? t.toStored() : t;
            } else if (o instanceof StorageRef s) {
                if (s.dtype() == null) {
                    throw CheckpointFormatException.of(source, "an untyped storage outside a tensor is not supported");
                }
                TorchTensor t = new TorchTensor(s.bytes(), s.key(), s.storageClass(), s.dtype(), s.numel(), 0,
                        new long[] {s.numel()}, new long[] {1}, false, false);
                out = toStored ? t.toStored() : t;
            } else if (o instanceof WeightsOnlyGlobals.NumpyArrayBuilder a) {
                out = a.toArray();
            } else if (o instanceof WeightsOnlyGlobals.NumpyDTypeBuilder d) {
                out = d.typeString();
            } else if (o instanceof StorageType st) {
                out = new PyGlobal("torch", st.name());
            } else if (o instanceof PyTuple t) {
                List<Object> items = new ArrayList<>(t.size());
                for (Object x : t.items()) {
                    items.add(apply(x));
                }
                out = new PyTuple(items);
            } else if (o instanceof List<?> l) {
                List<Object> items = new ArrayList<>(l.size());
                done.put(o, items);
                for (Object x : l) {
                    items.add(apply(x));
                }
                return items;
            } else if (o instanceof PyOrderedDict m) {
                PyOrderedDict d = new PyOrderedDict();
                done.put(o, d);
                m.forEach((k, v) -> d.put(apply(k), apply(v)));
                return d;
            } else if (o instanceof Map<?, ?> m) {
                Map<Object, Object> d = new LinkedHashMap<>();
                done.put(o, d);
                m.forEach((k, v) -> d.put(apply(k), apply(v)));
                return d;
            } else if (o instanceof Set<?> s) {
                Set<Object> d = new LinkedHashSet<>();
                for (Object x : s) {
                    d.add(apply(x));
                }
                out = d;
            } else if (o instanceof PyObject p) {
                PyObject q = new PyObject(p.type());
                done.put(o, q);
                p.state().forEach((k, v) -> q.state().put(k, apply(v)));
                return q;
            } else {
                throw CheckpointFormatException.of(source, "unexpected value of type " + o.getClass().getSimpleName());
            }
            done.put(o, out);
            return out;
        }
    }
}
