package dev.finetune4j.checkpoint.torch;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.DType;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The allow-list of {@code torch.load(weights_only=True)} plus what Composer adds (docs/formats.md §1.3):
 * OrderedDict (its {@code _metadata} BUILD ignored), {@code _rebuild_tensor_v2/_v3}, {@code _rebuild_parameter},
 * storage classes, torch dtypes, {@code torch.Size}, {@code datetime.timedelta}, {@code TorchVersion}, numpy's
 * {@code _reconstruct}/{@code ndarray}/{@code dtype}, {@code _codecs.encode}, set/frozenset/bytearray. With
 * {@code distributedMetadata} the dataclasses of a torch.distributed.checkpoint {@code .metadata} file are also
 * allowed. Every other global is refused with an error that names it. The set of globals seen is recorded.
 */
final class WeightsOnlyGlobals implements PickleGlobals {
    private static final Set<String> DTYPE_NAMES = Set.of("float32", "float", "float64", "double", "float16", "half",
            "bfloat16", "int64", "long", "int32", "int", "int16", "short", "int8", "uint8", "bool", "uint16",
            "uint32", "uint64", "complex64", "complex128", "cfloat", "cdouble", "float8_e4m3fn", "float8_e5m2",
            "float8_e4m3fnuz", "float8_e5m2fnuz");
    private static final String DCP = "torch.distributed.checkpoint.";
    private static final String SHARD = "torch.distributed._shard.";

    private final String source;
    private final boolean distributedMetadata;
    private final Set<String> seen = new TreeSet<>();

    WeightsOnlyGlobals(String source, boolean distributedMetadata) {
        this.source = source;
        this.distributedMetadata = distributedMetadata;
    }

    /** Qualified names of the globals the pickle referenced, sorted. */
    Set<String> seen() {
        return seen;
    }

    @Override
    public Object find(String module, String name) {
        String m = module.equals("__builtin__") ? "builtins" : module.equals("copy_reg") ? "copyreg" : module;
        String q = m + "." + name;
        if (allowed(m, name)) {
            seen.add(module + "." + name);
            if (m.equals("torch") || m.equals("torch.cuda")) {
                if (StorageType.isStorageClass(name)) {
                    return new StorageType(name, StorageType.TYPED.get(name));
                }
            }
            return new PyGlobal(m, name);
        }
        throw CheckpointFormatException.of(source, "pickle global '" + q + "' is not allowed (weights-only loading "
                + "accepts tensors, storages, containers, OrderedDict, timedelta, TorchVersion and numpy arrays)");
    }

    private boolean allowed(String m, String name) {
        switch (m) {
            case "collections": return name.equals("OrderedDict");
            case "torch._utils":
                return name.equals("_rebuild_tensor_v2") || name.equals("_rebuild_tensor_v3")
                        || name.equals("_rebuild_parameter") || name.equals("_rebuild_parameter_with_state");
            case "torch": return StorageType.isStorageClass(name) || DTYPE_NAMES.contains(name) || name.equals("Size")
                    || (distributedMetadata && (name.equals("strided") || name.endsWith("_format")));
            case "torch.cuda": return StorageType.isStorageClass(name);
            case "torch.storage": return name.equals("UntypedStorage") || name.equals("TypedStorage");
            case "datetime": return name.equals("timedelta");
            case "torch.torch_version": return name.equals("TorchVersion");
            case "torch.serialization": return name.equals("_get_layout");
            case "numpy.core.multiarray":
            case "numpy._core.multiarray": return name.equals("_reconstruct");
            case "numpy": return name.equals("ndarray") || name.equals("dtype");
            case "_codecs": return name.equals("encode");
            case "builtins": return name.equals("set") || name.equals("frozenset") || name.equals("bytearray")
                    || name.equals("bytes") || (distributedMetadata && name.equals("getattr"));
            case "copyreg": return name.equals("_reconstructor");
            default:
                return distributedMetadata && (m.startsWith(DCP) || m.startsWith(SHARD));
        }
    }

    @Override
    public Object call(Object callable, PyTuple args) {
        if (callable instanceof StorageType || !(callable instanceof PyGlobal g)) {
            throw fail("cannot call " + describe(callable));
        }
        switch (g.qualifiedName()) {
            case "collections.OrderedDict": {
                PyOrderedDict d = new PyOrderedDict();
                if (args.size() > 0 && args.get(0) != null) {
                    for (Object pair : iterable(args.get(0))) {
                        PyTuple p = pair instanceof PyTuple t ? t : new PyTuple(asList(pair));
                        d.put(p.get(0), p.get(1));
                    }
                }
                return d;
            }
            case "torch._utils._rebuild_tensor_v2":
                return rebuildTensor(args, null);
            case "torch._utils._rebuild_tensor_v3":
                return rebuildTensor(args, dtypeOf(args.get(6)));
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state": {
                TorchTensor t = tensorArg(args.get(0));
                boolean grad = Boolean.TRUE.equals(args.get(1));
                return new TorchTensor(t.storage(), t.storageKey(), t.storageClass(), t.dtype(), t.storageNumel(),
                        t.offset(), t.shape(), t.stride(), grad, true);
            }
            case "datetime.timedelta": {
                long days = args.size() > 0 ? toLong(args.get(0)) : 0;
                long secs = args.size() > 1 ? toLong(args.get(1)) : 0;
                long micros = args.size() > 2 ? toLong(args.get(2)) : 0;
                return Duration.ofDays(days).plusSeconds(secs).plusNanos(Math.multiplyExact(micros, 1000L));
            }
            case "torch.Size":
                return args.size() == 0 ? PyTuple.of() : new PyTuple(asList(args.get(0)));
            case "_codecs.encode": {
                String s = (String) args.get(0);
                String enc = args.size() > 1 ? String.valueOf(args.get(1)) : "utf-8";
                boolean latin1 = enc.equalsIgnoreCase("latin1") || enc.equalsIgnoreCase("latin-1")
                        || enc.equalsIgnoreCase("iso-8859-1");
                return s.getBytes(latin1 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
            }
            case "builtins.set":
                return args.size() == 0 ? new LinkedHashSet<>() : new LinkedHashSet<>(asList(args.get(0)));
            case "builtins.frozenset":
                return args.size() == 0 ? Set.of() : Set.copyOf(new LinkedHashSet<>(asList(args.get(0))));
            case "builtins.bytearray":
            case "builtins.bytes":
                if (args.size() == 0) {
                    return new byte[0];
                }
                if (args.get(0) instanceof byte[] b) {
                    return b.clone();
                }
                if (args.get(0) instanceof String s && args.size() > 1) {
                    return s.getBytes(StandardCharsets.ISO_8859_1);
                }
                throw fail("unsupported bytes construction from " + describe(args.get(0)));
            case "numpy.core.multiarray._reconstruct":
            case "numpy._core.multiarray._reconstruct":
                return new NumpyArrayBuilder();
            case "numpy.dtype":
                return new NumpyDTypeBuilder(String.valueOf(args.get(0)));
            case "builtins.getattr": {
                // Python >= 3.11 pickles enum members as getattr(EnumClass, 'NAME'); only DCP enums are allowed
                if (args.size() == 2 && args.get(0) instanceof PyGlobal c && args.get(1) instanceof String attr
                        && (c.module().startsWith(DCP) || c.module().startsWith(SHARD))) {
                    return new PyGlobal(c.module(), c.name() + "." + attr);
                }
                throw fail("getattr is only allowed on torch.distributed.checkpoint classes");
            }
            case "copyreg._reconstructor": {
                // protocol 0/1 form of TorchVersion: _reconstructor(TorchVersion, str, '2.1.0')
                if (args.get(0) instanceof PyGlobal c && c.qualifiedName().equals("torch.torch_version.TorchVersion")
                        && args.get(2) instanceof String s) {
                    return s;
                }
                throw fail("copyreg._reconstructor is only allowed for TorchVersion");
            }
            case "torch.torch_version.TorchVersion":
                return String.valueOf(args.get(0));
            case "torch.serialization._get_layout": {
                String layout = String.valueOf(args.get(0));
                return new PyGlobal("torch", layout.startsWith("torch.") ? layout.substring(6) : layout);
            }
            default:
                if (distributedMetadata && (g.module().startsWith(DCP) || g.module().startsWith(SHARD))) {
                    PyObject o = new PyObject(g);
                    for (int i = 0; i < args.size(); i++) {
                        o.state().put("_arg" + i, args.get(i));
                    }
                    return o;
                }
                throw fail("cannot call " + g.qualifiedName());
        }
    }

    @Override
    public Object newObject(Object cls, PyTuple args, Map<Object, Object> kwargs) {
        if (cls instanceof PyGlobal g) {
            if (g.qualifiedName().equals("torch.torch_version.TorchVersion")) {
                return args.size() > 0 ? String.valueOf(args.get(0)) : "";
            }
            if (g.qualifiedName().equals("collections.OrderedDict")) {
                return new PyOrderedDict();
            }
            if (g.qualifiedName().equals("torch.Size")) {
                return call(g, args);
            }
            if (distributedMetadata && (g.module().startsWith(DCP) || g.module().startsWith(SHARD))) {
                PyObject o = new PyObject(g);
                for (Map.Entry<Object, Object> e : kwargs.entrySet()) {
                    o.state().put(String.valueOf(e.getKey()), e.getValue());
                }
                return o;
            }
        }
        throw fail("cannot create an instance of " + describe(cls));
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object build(Object obj, Object state) {
        if (obj instanceof PyOrderedDict) {
            return obj; // Module.state_dict()'s _metadata attribute: not needed
        }
        if (obj instanceof NumpyDTypeBuilder d) {
            d.setState(asList(state));
            return d;
        }
        if (obj instanceof NumpyArrayBuilder a) {
            a.setState(asList(state));
            return a;
        }
        if (obj instanceof TorchTensor) {
            return obj; // parameter attributes (_rebuild_parameter_with_state) are not needed
        }
        if (obj instanceof PyObject o) {
            if (state instanceof Map<?, ?> m) {
                m.forEach((k, v) -> o.state().put(String.valueOf(k), v));
            } else if (state instanceof PyTuple t && o.type().name().equals("TensorProperties")) {
                // TensorProperties.__getstate__: (dtype, layout, requires_grad, memory_format, pin_memory)
                String[] names = {"dtype", "layout", "requires_grad", "memory_format", "pin_memory"};
                for (int i = 0; i < Math.min(names.length, t.size()); i++) {
                    o.state().put(names[i], t.get(i));
                }
            } else if (state instanceof PyTuple t && t.size() == 2) {
                for (Object part : t.items()) {
                    if (part instanceof Map<?, ?> m) {
                        m.forEach((k, v) -> o.state().put(String.valueOf(k), v));
                    }
                }
            } else {
                throw fail("unsupported state for " + o.type());
            }
            return o;
        }
        if (obj instanceof String && (state == null || state instanceof Map<?, ?> m && m.isEmpty())) {
            return obj; // TorchVersion with an empty __dict__
        }
        throw fail("BUILD is not allowed on " + describe(obj));
    }

    private TorchTensor rebuildTensor(PyTuple args, DType v3dtype) {
        if (args.size() < 5) {
            throw fail("_rebuild_tensor needs at least 5 arguments, got " + args.size());
        }
        if (!(args.get(0) instanceof StorageRef s)) {
            throw fail("_rebuild_tensor's first argument is not a storage but " + describe(args.get(0)));
        }
        DType dtype = v3dtype != null ? v3dtype : s.dtype();
        if (dtype == null) {
            throw fail("storage '" + s.key() + "' of class " + s.storageClass() + " has an unsupported dtype");
        }
        long numel = s.dtype() == null ? s.numel() / dtype.byteSize() : s.numel();
        long[] shape = longs(args.get(2), "size");
        long[] stride = longs(args.get(3), "stride");
        TorchTensor t = new TorchTensor(s.bytes(), s.key(), s.storageClass(), dtype, numel, toLong(args.get(1)),
                shape, stride, Boolean.TRUE.equals(args.get(4)), false);
        t.checkBounds(source);
        return t;
    }

    private DType dtypeOf(Object o) {
        if (o instanceof PyGlobal g && g.module().equals("torch")) {
            try {
                return DType.fromTorchName(g.name());
            } catch (IllegalArgumentException e) {
                throw fail("tensor dtype torch." + g.name() + " is not supported");
            }
        }
        throw fail("expected a torch dtype, got " + describe(o));
    }

    private TorchTensor tensorArg(Object o) {
        if (o instanceof TorchTensor t) {
            return t;
        }
        throw fail("expected a tensor, got " + describe(o));
    }

    private long[] longs(Object o, String what) {
        List<Object> items = asList(o);
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = toLong(items.get(i));
        }
        return out;
    }

    private long toLong(Object o) {
        if (o instanceof Long l) {
            return l;
        }
        if (o instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (o instanceof BigInteger) {
            throw fail("integer " + o + " is too large");
        }
        throw fail("expected an int, got " + describe(o));
    }

    private List<Object> asList(Object o) {
        if (o instanceof PyTuple t) {
            return t.items();
        }
        if (o instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        throw fail("expected a tuple or list, got " + describe(o));
    }

    private Iterable<Object> iterable(Object o) {
        if (o instanceof Map<?, ?> m) {
            List<Object> pairs = new ArrayList<>();
            m.forEach((k, v) -> pairs.add(PyTuple.of(k, v)));
            return pairs;
        }
        return asList(o);
    }

    private CheckpointFormatException fail(String what) {
        return CheckpointFormatException.of(source, what);
    }

    static String describe(Object o) {
        if (o instanceof PyGlobal g) {
            return g.qualifiedName();
        }
        if (o instanceof StorageType s) {
            return "torch." + s.name();
        }
        return Unpickler.typeName(o);
    }

    /** numpy.dtype under construction: ('u4', False, True) then BUILD (3, '<', ...). */
    static final class NumpyDTypeBuilder {
        final String name;
        String byteOrder = "|";

        NumpyDTypeBuilder(String name) {
            this.name = name;
        }

        void setState(List<Object> state) {
            if (state.size() > 1 && state.get(1) instanceof String s) {
                byteOrder = s;
            }
        }

        String typeString() {
            String order = byteOrder.equals("=") ? "<" : byteOrder;
            return order + name;
        }
    }

    /** numpy.ndarray under construction: _reconstruct(...) then BUILD (version, shape, dtype, fortran, raw). */
    static final class NumpyArrayBuilder {
        long[] shape;
        NumpyDTypeBuilder dtype;
        boolean fortran;
        byte[] raw;

        void setState(List<Object> state) {
            if (state.size() != 5) {
                throw new IllegalArgumentException("numpy array state must have 5 items, got " + state.size());
            }
            List<?> dims = state.get(1) instanceof PyTuple t ? t.items() : (List<?>) state.get(1);
            shape = new long[dims.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = (Long) dims.get(i);
            }
            dtype = (NumpyDTypeBuilder) state.get(2);
            fortran = Boolean.TRUE.equals(state.get(3));
            if (!(state.get(4) instanceof byte[] b)) {
                throw new IllegalArgumentException("numpy object arrays are not supported");
            }
            raw = b;
        }

        NumpyArray toArray() {
            if (dtype == null || raw == null) {
                throw new IllegalArgumentException("numpy array without state");
            }
            return new NumpyArray(dtype.typeString(), shape, fortran, raw);
        }
    }
}
