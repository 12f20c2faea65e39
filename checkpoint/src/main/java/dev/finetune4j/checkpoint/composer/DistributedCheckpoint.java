package dev.finetune4j.checkpoint.composer;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.torch.PyGlobal;
import dev.finetune4j.checkpoint.torch.PyObject;
import dev.finetune4j.checkpoint.torch.PyTuple;
import dev.finetune4j.checkpoint.torch.TorchFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A torch.distributed.checkpoint folder as Composer writes sharded checkpoints (docs/formats.md §3.6): the
 * {@code .metadata} pickle lists every flattened key with its chunks, {@code storage_data} says in which
 * {@code __N_0.distcp} file and at which (offset, length) each chunk is, and every tensor chunk there is a complete
 * torch.save archive. Chunks are assembled into whole tensors.
 */
public final class DistributedCheckpoint {
    private final Path dir;
    private final Map<String, Object> stateDictMetadata;
    private final Map<String, PyTuple> plannerData;
    private final Map<ChunkKey, PyObject> storage;

    private record ChunkKey(String fqn, List<Long> offsets) {
    }

    private DistributedCheckpoint(Path dir, Map<String, Object> sdm, Map<String, PyTuple> planner,
                                  Map<ChunkKey, PyObject> storage) {
        this.dir = dir;
        this.stateDictMetadata = sdm;
        this.plannerData = planner;
        this.storage = storage;
    }

    /** Opens a folder holding {@code .metadata} and {@code *.distcp} files. */
    public static DistributedCheckpoint open(Path dir) {
        Path meta = dir.resolve(".metadata");
        if (!Files.isRegularFile(meta)) {
            throw CheckpointFormatException.of(dir, "not a sharded checkpoint folder: no .metadata file");
        }
        String src = meta.toString();
        if (!(TorchFile.readDistributedMetadata(meta) instanceof PyObject m) || !m.type().name().equals("Metadata")) {
            throw CheckpointFormatException.of(src, "does not hold a torch.distributed.checkpoint Metadata object");
        }
        Map<String, Object> sdm = new LinkedHashMap<>();
        if (!(m.get("state_dict_metadata") instanceof Map<?, ?> s)) {
            throw CheckpointFormatException.of(src, "Metadata.state_dict_metadata is missing");
        }
        s.forEach((k, v) -> sdm.put(String.valueOf(k), v));
        Map<String, PyTuple> planner = new LinkedHashMap<>();
        if (m.get("planner_data") instanceof Map<?, ?> pd) {
            pd.forEach((k, v) -> {
                if (v instanceof PyTuple t) {
                    planner.put(String.valueOf(k), t);
                } else if (v instanceof List<?> l) {
                    planner.put(String.valueOf(k), new PyTuple(new ArrayList<>(l)));
                }
            });
        }
        Map<ChunkKey, PyObject> storage = new LinkedHashMap<>();
        if (!(m.get("storage_data") instanceof Map<?, ?> sd)) {
            throw CheckpointFormatException.of(src, "Metadata.storage_data is missing");
        }
        for (Map.Entry<?, ?> e : sd.entrySet()) {
            if (!(e.getKey() instanceof PyObject idx) || !(e.getValue() instanceof PyObject info)) {
                throw CheckpointFormatException.of(src, "storage_data entry " + e.getKey() + " is malformed");
            }
            storage.put(new ChunkKey(String.valueOf(idx.get("fqn")), longs(idx.get("offset"))), info);
        }
        return new DistributedCheckpoint(dir, sdm, planner, storage);
    }

    /** Model weights by HF name: the tensors under {@code state.model}, with the {@code model.} prefix removed. */
    public LinkedHashMap<String, StoredTensor> modelWeights() {
        LinkedHashMap<String, StoredTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : stateDictMetadata.entrySet()) {
            String fqn = modelFqn(e.getKey());
            if (fqn == null || !(e.getValue() instanceof PyObject tsm)
                    || !tsm.type().name().equals("TensorStorageMetadata")) {
                continue;
            }
            out.put(ComposerCheckpoint.stripPrefix(fqn), tensor(e.getKey(), tsm));
        }
        if (out.isEmpty()) {
            throw CheckpointFormatException.of(dir, "the sharded checkpoint holds no tensors under state.model");
        }
        return out;
    }

    private String modelFqn(String flatKey) {
        PyTuple path = plannerData.get(flatKey);
        if (path != null && path.size() == 3 && "state".equals(path.get(0)) && "model".equals(path.get(1))) {
            return String.valueOf(path.get(2));
        }
        if (path == null && flatKey.startsWith("state.model.")) {
            return flatKey.substring("state.model.".length());
        }
        return null;
    }

    private StoredTensor tensor(String key, PyObject tsm) {
        long[] size = toArray(longs(tsm.get("size")));
        DType dtype = dtype(key, tsm.get("properties"));
        if (!(tsm.get("chunks") instanceof List<?> chunks) || chunks.isEmpty()) {
            throw CheckpointFormatException.of(dir, "tensor '" + key + "' has no chunks");
        }
        long numel = StoredTensor.numel(size);
        if (chunks.size() == 1) {
            StoredTensor t = readChunk(key, (PyObject) chunks.get(0));
            if (!java.util.Arrays.equals(t.shape(), size) || t.dtype() != dtype) {
                throw CheckpointFormatException.of(dir, "chunk of '" + key + "' is " + t + " but the metadata says "
                        + dtype.torchName() + java.util.Arrays.toString(size));
            }
            return t;
        }
        if (numel * dtype.byteSize() > Integer.MAX_VALUE) {
            throw CheckpointFormatException.of(dir, "tensor '" + key + "' is 2 GiB or larger; not supported");
        }
        ByteBuffer whole = ByteBuffer.allocate((int) (numel * dtype.byteSize()));
        for (Object c : chunks) {
            PyObject chunk = (PyObject) c;
            StoredTensor part = readChunk(key, chunk);
            place(whole, size, part, toArray(longs(chunk.get("offsets"))), dtype.byteSize(), key);
        }
        return new StoredTensor(dtype, size, whole);
    }

    private StoredTensor readChunk(String key, PyObject chunk) {
        List<Long> offsets = longs(chunk.get("offsets"));
        PyObject info = storage.get(new ChunkKey(key, offsets));
        if (info == null) {
            throw CheckpointFormatException.of(dir, "no storage entry for '" + key + "' at offsets " + offsets);
        }
        String rel = String.valueOf(info.get("relative_path"));
        Path file = dir.resolve(rel).normalize();
        if (!file.startsWith(dir.normalize()) || !Files.isRegularFile(file)) {
            throw CheckpointFormatException.of(dir, "storage file '" + rel + "' for '" + key + "' does not exist");
        }
        long off = asLong(info.get("offset"));
        long len = asLong(info.get("length"));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (off < 0 || len < 0 || off + len > ch.size() || len > Integer.MAX_VALUE) {
                throw CheckpointFormatException.of(file, "item of '" + key + "' (offset " + off + ", " + len
                        + " bytes) lies outside the file");
            }
            ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, off, len);
            Object o = TorchFile.read(b, file + " item '" + key + "'");
            if (!(o instanceof StoredTensor t)) {
                throw CheckpointFormatException.of(file, "item of '" + key + "' is not a tensor");
            }
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void place(ByteBuffer whole, long[] size, StoredTensor part, long[] offsets, int es, String key) {
        long[] ps = part.shape();
        if (ps.length != size.length || offsets.length != size.length) {
            throw new CheckpointFormatException("chunk of '" + key + "' has the wrong rank");
        }
        for (int d = 0; d < size.length; d++) {
            if (offsets[d] < 0 || offsets[d] + ps[d] > size[d]) {
                throw new CheckpointFormatException("chunk of '" + key + "' lies outside the tensor");
            }
        }
        long n = part.numel();
        if (n == 0) {
            return;
        }
        int rank = size.length;
        long row = rank == 0 ? 1 : ps[rank - 1];
        ByteBuffer src = part.data();
        long[] idx = new long[Math.max(0, rank - 1)];
        for (long r = 0; r < n / row; r++) {
            long dst = 0;
            for (int d = 0; d < rank; d++) {
                long i = d < rank - 1 ? idx[d] : 0;
                dst = dst * size[d] + offsets[d] + i;
            }
            whole.put((int) (dst * es), src, (int) (r * row * es), (int) (row * es));
            for (int d = rank - 2; d >= 0; d--) {
                if (++idx[d] < ps[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
    }

    private DType dtype(String key, Object props) {
        if (props instanceof PyObject p && p.get("dtype") instanceof PyGlobal g) {
            try {
                return DType.fromTorchName(g.name());
            } catch (IllegalArgumentException e) {
                throw CheckpointFormatException.of(dir, "tensor '" + key + "' has unsupported dtype " + g);
            }
        }
        throw CheckpointFormatException.of(dir, "tensor '" + key + "' has no dtype in its properties");
    }

    private static List<Long> longs(Object o) {
        List<Long> out = new ArrayList<>();
        if (o instanceof PyTuple t) {
            for (Object x : t.items()) {
                out.add(asLong(x));
            }
        } else if (o instanceof List<?> l) {
            for (Object x : l) {
                out.add(asLong(x));
            }
        } else if (o != null) {
            throw new CheckpointFormatException("expected a size tuple, got " + o);
        }
        return out;
    }

    private static long[] toArray(List<Long> l) {
        long[] a = new long[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }

    private static long asLong(Object o) {
        if (o instanceof Long l) {
            return l;
        }
        throw new CheckpointFormatException("expected an int in DCP metadata, got " + o);
    }
}
