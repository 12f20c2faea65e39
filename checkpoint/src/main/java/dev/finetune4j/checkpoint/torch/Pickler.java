package dev.finetune4j.checkpoint.torch;

import dev.finetune4j.checkpoint.StoredTensor;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Pickles the Java value model with protocol 2 as torch.save does (docs/formats.md §1.2): tensors as
 * {@code _rebuild_tensor_v2} with a {@code ('storage', <Class>Storage, key, 'cpu', numel)} persistent id, bytes as
 * {@code _codecs.encode(latin1, 'latin1')}, timedelta and numpy arrays as their own reducers. Only globals that
 * {@code torch.load(weights_only=True)} (plus Composer's additions) accepts are emitted. A StoredTensor object that
 * appears twice shares one storage.
 */
final class Pickler {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Map<String, Integer> globalMemo = new HashMap<>();
    private final Map<StoredTensor, String> storageKeys = new IdentityHashMap<>();
    private final List<StoredTensor> storages = new ArrayList<>();
    private int memoCount;

    /** Pickles the value; returns the pickle bytes. */
    byte[] dump(Object value) {
        out.write(0x80);
        out.write(2);
        save(value, 0);
        out.write('.');
        return out.toByteArray();
    }

    /** Storages in key order ("0", "1", …). */
    List<StoredTensor> storages() {
        return storages;
    }

    private void save(Object o, int depth) {
        if (depth > 1000) {
            throw new IllegalArgumentException("values nested more than 1000 levels deep");
        }
        if (o == null) {
            out.write('N');
        } else if (o instanceof Boolean b) {
            out.write(b ? 0x88 : 0x89);
        } else if (o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte) {
            saveInt(((Number) o).longValue());
        } else if (o instanceof BigInteger b) {
            saveBig(b);
        } else if (o instanceof Double || o instanceof Float) {
            out.write('G');
            long bits = Double.doubleToRawLongBits(((Number) o).doubleValue());
            for (int i = 7; i >= 0; i--) {
                out.write((int) (bits >>> (8 * i)));
            }
        } else if (o instanceof String s) {
            saveString(s);
        } else if (o instanceof StoredTensor t) {
            saveTensor(t);
        } else if (o instanceof PyTuple t) {
            saveTuple(t.items(), depth);
        } else if (o instanceof PyOrderedDict m) {
            global("collections", "OrderedDict");
            out.write(')');
            out.write('R');
            put();
            saveItems(m, depth);
        } else if (o instanceof Map<?, ?> m) {
            out.write('}');
            put();
            saveItems(m, depth);
        } else if (o instanceof List<?> l) {
            out.write(']');
            put();
            saveList(l, depth);
        } else if (o instanceof byte[] b) {
            saveBytes(b);
        } else if (o instanceof Duration d) {
            saveTimedelta(d);
        } else if (o instanceof NumpyArray a) {
            saveNumpy(a);
        } else {
            throw new IllegalArgumentException("cannot pickle a " + o.getClass().getName() + " for weights-only "
                    + "loading; allowed: Map, List, PyTuple, String, Long, Double, Boolean, null, StoredTensor, "
                    + "byte[], Duration, NumpyArray");
        }
    }

    private void put() {
        int i = memoCount++;
        if (i < 256) {
            out.write('q');
            out.write(i);
        } else {
            out.write('r');
            writeIntLE(i);
        }
    }

    private void global(String module, String name) {
        String key = module + "\n" + name;
        Integer idx = globalMemo.get(key);
        if (idx != null) {
            if (idx < 256) {
                out.write('h');
                out.write(idx);
            } else {
                out.write('j');
                writeIntLE(idx);
            }
            return;
        }
        out.write('c');
        out.writeBytes((key + "\n").getBytes(StandardCharsets.UTF_8));
        globalMemo.put(key, memoCount);
        put();
    }

    private void saveInt(long v) {
        if (v >= 0 && v < 256) {
            out.write('K');
            out.write((int) v);
        } else if (v >= 0 && v < 65536) {
            out.write('M');
            out.write((int) v);
            out.write((int) (v >>> 8));
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.write('J');
            writeIntLE((int) v);
        } else {
            saveBig(BigInteger.valueOf(v));
        }
    }

    private void saveBig(BigInteger b) {
        if (b.bitLength() < 32) {
            saveInt(b.longValue());
            return;
        }
        byte[] be = b.toByteArray();
        if (be.length > 255) {
            throw new IllegalArgumentException("integer too large to pickle: " + b.bitLength() + " bits");
        }
        out.write(0x8a);
        out.write(be.length);
        for (int i = be.length - 1; i >= 0; i--) {
            out.write(be[i]);
        }
    }

    private void saveString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        writeIntLE(b.length);
        out.writeBytes(b);
        put();
    }

    private void saveBytes(byte[] b) {
        global("_codecs", "encode");
        saveString(new String(b, StandardCharsets.ISO_8859_1));
        saveString("latin1");
        out.write(0x86);
        put();
        out.write('R');
        put();
    }

    private void saveTuple(List<Object> items, int depth) {
        int n = items.size();
        if (n == 0) {
            out.write(')');
            return;
        }
        if (n > 3) {
            out.write('(');
        }
        for (Object x : items) {
            save(x, depth + 1);
        }
        out.write(n == 1 ? 0x85 : n == 2 ? 0x86 : n == 3 ? 0x87 : 't');
        put();
    }

    private void saveItems(Map<?, ?> m, int depth) {
        Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
        while (it.hasNext()) {
            List<Map.Entry<?, ?>> batch = new ArrayList<>();
            while (it.hasNext() && batch.size() < 1000) {
                batch.add(it.next());
            }
            if (batch.size() == 1) {
                save(batch.get(0).getKey(), depth + 1);
                save(batch.get(0).getValue(), depth + 1);
                out.write('s');
            } else {
                out.write('(');
                for (Map.Entry<?, ?> e : batch) {
                    save(e.getKey(), depth + 1);
                    save(e.getValue(), depth + 1);
                }
                out.write('u');
            }
        }
    }

    private void saveList(List<?> l, int depth) {
        for (int start = 0; start < l.size(); start += 1000) {
            List<?> batch = l.subList(start, Math.min(l.size(), start + 1000));
            if (batch.size() == 1) {
                save(batch.get(0), depth + 1);
                out.write('a');
            } else {
                out.write('(');
                for (Object x : batch) {
                    save(x, depth + 1);
                }
                out.write('e');
            }
        }
    }

    private void saveTensor(StoredTensor t) {
        String key = storageKeys.get(t);
        if (key == null) {
            key = Integer.toString(storages.size());
            storageKeys.put(t, key);
            storages.add(t);
        }
        long[] shape = t.shape();
        global("torch._utils", "_rebuild_tensor_v2");
        out.write('(');
        out.write('(');
        saveString("storage");
        global("torch", StorageType.forDType(t.dtype()));
        saveString(key);
        saveString("cpu");
        saveInt(t.numel());
        out.write('t');
        put();
        out.write('Q');
        saveInt(0);
        List<Object> size = new ArrayList<>();
        List<Object> stride = new ArrayList<>();
        long s = 1;
        long[] strides = new long[shape.length];
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= shape[i];
        }
        for (int i = 0; i < shape.length; i++) {
            size.add(shape[i]);
            stride.add(strides[i]);
        }
        saveTuple(size, 1);
        saveTuple(stride, 1);
        out.write(0x89);
        global("collections", "OrderedDict");
        out.write(')');
        out.write('R');
        put();
        out.write('t');
        put();
        out.write('R');
        put();
    }

    private void saveTimedelta(Duration d) {
        long totalMicros = Math.addExact(Math.multiplyExact(d.getSeconds(), 1_000_000L), d.getNano() / 1000);
        long days = Math.floorDiv(totalMicros, 86_400_000_000L);
        long rem = Math.floorMod(totalMicros, 86_400_000_000L);
        global("datetime", "timedelta");
        saveInt(days);
        saveInt(rem / 1_000_000L);
        saveInt(rem % 1_000_000L);
        out.write(0x87);
        put();
        out.write('R');
        put();
    }

    private void saveNumpy(NumpyArray a) {
        global("numpy.core.multiarray", "_reconstruct");
        global("numpy", "ndarray");
        saveTuple(List.of(0L), 1);
        saveBytes(new byte[] {'b'});
        out.write(0x87);
        put();
        out.write('R');
        put();
        // state: (1, shape, dtype, is_fortran, rawdata)
        out.write('(');
        saveInt(1);
        List<Object> shape = new ArrayList<>();
        for (long d : a.shape()) {
            shape.add(d);
        }
        saveTuple(shape, 1);
        String dt = a.dtype();
        char order = dt.isEmpty() ? '|' : dt.charAt(0);
        String name = (order == '<' || order == '>' || order == '|' || order == '=') ? dt.substring(1) : dt;
        if (order != '<' && order != '>' && order != '|') {
            order = '|';
        }
        global("numpy", "dtype");
        saveString(name);
        out.write(0x89);
        out.write(0x88);
        out.write(0x87);
        put();
        out.write('R');
        put();
        out.write('(');
        saveInt(3);
        saveString(String.valueOf(order));
        out.write('N');
        out.write('N');
        out.write('N');
        saveInt(-1);
        saveInt(-1);
        saveInt(0);
        out.write('t');
        put();
        out.write('b');
        out.write(a.fortranOrder() ? 0x88 : 0x89);
        saveBytes(a.data());
        out.write('t');
        put();
        out.write('b');
    }

    private void writeIntLE(int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }
}
