// finetune4j's bridge to PyTorch's c10d (TCPStore + ProcessGroupGloo) for the libtorch the JVM already loaded.
//
// No libtorch headers: every libtorch entry point is looked up with dlsym in the already-loaded libtorch_cpu.so
// (RTLD_NOLOAD, so a second copy is never loaded) and called through a function pointer typed after its Itanium
// C++ ABI signature. Nothing is linked against libtorch, so a missing symbol is reported to Java as a list, never
// a "symbol lookup error" at run time. The few struct layouts this file writes are those of libtorch 2.7.1 (x86-64,
// libstdc++ cxx11 ABI); docs/distributed.md lists them with the offsets the bridge checks at start-up.
#include <jni.h>
#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace {

// ---- intrusive_ptr<T> as passed across the ABI: one pointer, non-trivial (so returned/passed via memory) ----
struct IPtr {
    void* p = nullptr;
    IPtr() = default;
    explicit IPtr(void* q) : p(q) {}
    IPtr(const IPtr& o) : p(o.p) {}
    ~IPtr() {}
};

// c10::intrusive_ptr_target in 2.7.1: vptr @0, uint32 refcount @8, uint32 weakcount @12.
// Its vtable starts with the complete destructor, the deleting destructor and release_resources().
struct Target {
    void** vptr;
    std::atomic<uint32_t> refcount;
    std::atomic<uint32_t> weakcount;
};

void adopt(void* obj) {  // what c10::make_intrusive does to a freshly constructed target
    auto* t = static_cast<Target*>(obj);
    t->refcount.store(1, std::memory_order_relaxed);
    t->weakcount.store(1, std::memory_order_relaxed);
}

void decref(void* obj) {  // c10::intrusive_ptr::reset_()
    if (obj == nullptr) return;
    auto* t = static_cast<Target*>(obj);
    if (t->refcount.fetch_sub(1, std::memory_order_acq_rel) - 1 != 0) return;
    bool shouldDelete = t->weakcount.load(std::memory_order_acquire) == 1;
    if (!shouldDelete) {
        reinterpret_cast<void (*)(void*)>(t->vptr[2])(obj);  // release_resources()
        shouldDelete = t->weakcount.fetch_sub(1, std::memory_order_acq_rel) - 1 == 0;
    }
    if (shouldDelete) reinterpret_cast<void (*)(void*)>(t->vptr[1])(obj);  // deleting destructor
}

// c10d::TCPStoreOptions (2.7.1): sizeof 0x38; the constructor reads timeout @0x20 and useLibUV @0x34.
struct TCPStoreOptions {
    uint16_t port;              // @0x00
    bool isServer;              // @0x02
    std::optional<size_t> numWorkers;  // @0x08
    bool waitWorkers;           // @0x18
    int64_t timeoutMs;          // @0x20 std::chrono::milliseconds
    bool multiTenant;           // @0x28
    std::optional<int> masterListenFd;  // @0x2c
    bool useLibUV;              // @0x34
};
static_assert(offsetof(TCPStoreOptions, numWorkers) == 0x08, "TCPStoreOptions.numWorkers");
static_assert(offsetof(TCPStoreOptions, waitWorkers) == 0x18, "TCPStoreOptions.waitWorkers");
static_assert(offsetof(TCPStoreOptions, masterListenFd) == 0x2c, "TCPStoreOptions.masterListenFd");
static_assert(offsetof(TCPStoreOptions, timeoutMs) == 0x20, "TCPStoreOptions.timeout");
static_assert(offsetof(TCPStoreOptions, useLibUV) == 0x34, "TCPStoreOptions.useLibUV");
static_assert(sizeof(TCPStoreOptions) == 0x38, "TCPStoreOptions size");

// c10d::ProcessGroupGloo::Options (2.7.1), written by its constructor: timeout @0x10, backend std::string @0x18,
// devices std::vector<std::shared_ptr<gloo::transport::Device>> @0x38, threads int @0x50.
constexpr size_t kGlooOptionsTimeout = 0x10;
constexpr size_t kGlooOptionsBackend = 0x18;
constexpr size_t kGlooOptionsDevices = 0x38;
constexpr size_t kGlooOptionsThreads = 0x50;
constexpr size_t kGlooOptionsSize = 0x58;

// c10d::AllreduceOptions (2.7.1): ReduceOp (vptr, refcounts, RedOpType op_ @0x10, supplement_ @0x18),
// timeout @0x20, std::optional<at::Tensor> sparseIndices @0x28 (engaged flag @0x30). ProcessGroupGloo::allreduce
// reads op_ @0x10 and supplement_ @0x18.
struct AllreduceOptions {
    void** reduceOpVptr;
    uint32_t reduceOpRefcount;
    uint32_t reduceOpWeakcount;
    uint8_t op;                 // RedOpType: SUM = 0
    void* supplement;           // intrusive_ptr<_SupplementBase>, null
    int64_t timeoutMs;          // kUnsetTimeout = -1
    std::optional<void*> sparseIndices;  // std::optional<at::Tensor>: one TensorImpl* and the engaged flag
};
static_assert(offsetof(AllreduceOptions, op) == 0x10, "AllreduceOptions.reduceOp.op_");
static_assert(offsetof(AllreduceOptions, timeoutMs) == 0x20, "AllreduceOptions.timeout");
static_assert(offsetof(AllreduceOptions, sparseIndices) == 0x28, "AllreduceOptions.sparseIndices");
static_assert(sizeof(AllreduceOptions) == 0x38, "AllreduceOptions size");

// c10d::ReduceScatterOptions (2.7.1): ReduceOp (as in AllreduceOptions) @0x00, timeout @0x20, asyncOp @0x28.
struct ReduceScatterOptions {
    void** reduceOpVptr;
    uint32_t reduceOpRefcount;
    uint32_t reduceOpWeakcount;
    uint8_t op;
    void* supplement;
    int64_t timeoutMs;
    bool asyncOp;
};
static_assert(offsetof(ReduceScatterOptions, op) == 0x10, "ReduceScatterOptions.reduceOp.op_");
static_assert(offsetof(ReduceScatterOptions, timeoutMs) == 0x20, "ReduceScatterOptions.timeout");
static_assert(offsetof(ReduceScatterOptions, asyncOp) == 0x28, "ReduceScatterOptions.asyncOp");

// c10d::AllgatherOptions (2.7.1): timeout @0x00, asyncOp @0x08.
struct AllgatherOptions {
    int64_t timeoutMs;
    bool asyncOp;
};
static_assert(offsetof(AllgatherOptions, asyncOp) == 0x08, "AllgatherOptions.asyncOp");

// c10d::Work's vtable has 15 virtual functions after offset-to-top and typeinfo (sizeof 0x88 in 2.7.1); the bridge
// calls wait() through the slot that holds c10d::Work::wait, found at bind time (works such as gloo's
// reduce-scatter, a LambdaWork, do their work in their own wait override).
constexpr int kWorkVtableSlots = 15;

// ---- c10d::ProcessGroup (2.7.1) for the functional collectives: its backend maps are filled the way the inline
// ProcessGroup::setBackend does, with containers of the same libstdc++ layout as libtorch's instantiations ----
// c10::DeviceType (enum class : int8_t) hashed as c10's std::hash<c10::DeviceType>: std::hash<int> of the value, not
// noexcept, so libstdc++ caches the hash in each node (libtorch's tables are _Hashtable_traits<true, ...>).
enum class DevType : int8_t { CPU = 0, CUDA = 1 };
struct DevTypeHash {
    size_t operator()(DevType k) const { return std::hash<int>()(static_cast<int>(k)); }  // NOLINT: not noexcept
};
// c10d::ProcessGroup::BackendType (enum : uint8_t; std::hash of an enum: noexcept, hash not cached).
enum BackendKind : uint8_t { kUndefinedBackend = 0, kGlooBackend = 1, kNcclBackend = 2 };
struct RawPtr {  // an intrusive_ptr<Backend>'s representation; the bridge adds the reference each node holds
    void* p;
};
using DevSet = std::unordered_set<DevType, DevTypeHash>;
using DevToKind = std::unordered_map<DevType, BackendKind, DevTypeHash>;
using DevToBackend = std::unordered_map<DevType, RawPtr, DevTypeHash>;
using KindToBackend = std::unordered_map<BackendKind, RawPtr>;
static_assert(std::__cache_default<DevType, DevTypeHash>::value, "DeviceType nodes cache their hash, as libtorch's");
static_assert(!std::__cache_default<BackendKind, std::hash<BackendKind>>::value, "BackendType nodes do not");
static_assert(sizeof(DevSet) == 0x38 && sizeof(DevToKind) == 0x38 && sizeof(DevToBackend) == 0x38
              && sizeof(KindToBackend) == 0x38, "libstdc++ unordered containers are 0x38 bytes");
// c10d::ProcessGroup (2.7.1, from its constructor): store_ 0x10, rank_ 0x18, size_ 0x1c, backendType_ 0x20,
// pg_desc_ 0x28, dist_debug_level_ 0x48, deviceTypes_ 0x50, deviceTypeToBackendType_ 0x88, deviceTypeToBackend_ 0xc0,
// backendTypeToBackend_ 0xf8, bound_device_id_ 0x130.
constexpr size_t kPgBackendType = 0x20;
constexpr size_t kPgDeviceTypes = 0x50;
constexpr size_t kPgDeviceTypeToBackendType = 0x88;
constexpr size_t kPgDeviceTypeToBackend = 0xc0;
constexpr size_t kPgBackendTypeToBackend = 0xf8;
constexpr size_t kPgBytes = 4096;

// Whether the 0x38 bytes at `table` are an empty libstdc++ hashtable: buckets -> its own single bucket (+0x30),
// one bucket, no nodes, max load factor 1.0.
bool emptyHashtable(const char* table) {
    const void* buckets = *reinterpret_cast<void* const*>(table);
    size_t count = *reinterpret_cast<const size_t*>(table + 0x08);
    const void* first = *reinterpret_cast<void* const*>(table + 0x10);
    size_t elements = *reinterpret_cast<const size_t*>(table + 0x18);
    float maxLoad = *reinterpret_cast<const float*>(table + 0x20);
    return buckets == table + 0x30 && count == 1 && first == nullptr && elements == 0 && maxLoad == 1.0f;
}

// Objects libtorch constructs in memory we provide; their exact sizes are not part of any header we can read, so
// the bridge over-allocates (libtorch frees them with ::operator delete through their deleting destructors).
constexpr size_t kStoreBytes = 4096;
constexpr size_t kGlooBytes = 16384;

using Ms = std::chrono::milliseconds;
using ShowConfigFn = std::string (*)();
using TCPStoreCtorFn = void (*)(void*, std::string, const TCPStoreOptions&);
using GlooOptionsCtorFn = void (*)(void*, Ms);
using GlooDeviceForHostFn = std::shared_ptr<void> (*)(const std::string&);
using GlooDefaultDeviceFn = std::shared_ptr<void> (*)();
// A by-value intrusive_ptr parameter (non-trivial type) is passed as the address of a temporary the caller owns and
// destroys after the call (Itanium C++ ABI); the bridge passes that address itself so that it can release what the
// callee left in the temporary (nothing when the callee moved from it).
using GlooCtorFn = void (*)(void*, const IPtr& store, int, int, IPtr* options);
using NcclOptionsCtorFn = void (*)(void*, bool);
using PgCtorFn = void (*)(void*, IPtr* store, int, int);
using PgGetBackendFn = IPtr (*)(void*, DevType);
using PgSetGroupNameFn = void (*)(void*, const std::string&);
using RegisterPgFn = void (*)(const std::string&, const IPtr&);
using UnregisterPgFn = void (*)(const std::string&);
using NcclCtorByValueFn = void (*)(void*, IPtr* store, int, int, IPtr* options);
using NcclCtorByRefFn = void (*)(void*, const IPtr& store, int, int, IPtr* options);
using AllreduceFn = IPtr (*)(void*, std::vector<void*>&, const AllreduceOptions&);
using WorkWaitFn = bool (*)(void*, Ms);
using ReduceScatterBaseFn = IPtr (*)(void*, void* out, void* in, const ReduceScatterOptions&);
using AllgatherBaseFn = IPtr (*)(void*, void* out, void* in, const AllgatherOptions&);
using StoreAddFn = int64_t (*)(void*, const std::string&, int64_t);

struct Symbols {
    ShowConfigFn showConfig;
    TCPStoreCtorFn tcpStoreCtor;
    GlooOptionsCtorFn glooOptionsCtor;
    GlooDeviceForHostFn glooDeviceForHost;
    GlooDeviceForHostFn glooDeviceForInterface;
    GlooDefaultDeviceFn glooDefaultDevice;
    GlooCtorFn glooCtor;
    AllreduceFn glooAllreduce;
    WorkWaitFn workWait;
    StoreAddFn tcpStoreAdd;
    void** reduceOpVtable;
    void** glooOptionsVtable;
    ReduceScatterBaseFn glooReduceScatterBase;
    AllgatherBaseFn glooAllgatherBase;
    void** workVtable;
    int workWaitSlot;  // index into the address point of a Work's vtable
    void** glooVtable;
    // virtual slots (from the address point) of c10d::Backend's allreduce, _reduce_scatter_base, _allgather_base,
    // found in ProcessGroupGloo's vtable; the collectives are called through them, so one code path serves every
    // backend derived from c10d::Backend
    int allreduceSlot;
    int reduceScatterSlot;
    int allgatherSlot;
    PgCtorFn pgCtor;
    void** pgVtable;
    PgGetBackendFn pgGetBackend;
    PgSetGroupNameFn pgSetGroupName;
    RegisterPgFn registerPg;
    UnregisterPgFn unregisterPg;
};

// ProcessGroupNCCL from libtorch_cuda.so (bound separately: absent from CPU-only libtorch).
struct NcclSymbols {
    NcclOptionsCtorFn optionsCtor;
    void** optionsVtable;
    NcclCtorByValueFn ctorByValue;  // ProcessGroupNCCL(intrusive_ptr<Store>, int, int, intrusive_ptr<Options>)
    NcclCtorByRefFn ctorByRef;      // the same with const intrusive_ptr<Store>& (older headers)
    void** vtable;
    void* allreduce;
    void* reduceScatterBase;
    void* allgatherBase;
};
NcclSymbols ncclSym{};
bool ncclReady = false;
// Backend::Options (2.7.1): timeout @0x10, backend name @0x18 (checked through the gloo options probe); the NCCL
// options object is allocated with room to spare, as its full size is not in a header the bridge can read.
constexpr size_t kNcclOptionsBytes = 4096;
constexpr size_t kNcclBytes = 65536;
constexpr int kBackendVtableSlots = 41;  // ProcessGroupGloo's vtable is 0x158 bytes in 2.7.1: 43 words

Symbols sym{};
bool ready = false;

struct Needed {
    const char* mangled;
    const char* readable;
    void** slot;
};

void throwJava(JNIEnv* env, const std::string& full) {
    // c10::Error appends a native backtrace after this marker; the Java message keeps the reason only
    std::string message = full.substr(0, full.find("\nException raised from"));
    jclass cls = env->FindClass("dev/finetune4j/distributed/C10dException");
    if (cls == nullptr) return;  // NoClassDefFoundError is pending
    env->ThrowNew(cls, message.c_str());
}

std::string jstring2(JNIEnv* env, jstring s) {
    const char* c = env->GetStringUTFChars(s, nullptr);
    std::string out(c == nullptr ? "" : c);
    if (c != nullptr) env->ReleaseStringUTFChars(s, c);
    return out;
}

bool checkReady(JNIEnv* env) {
    if (!ready) throwJava(env, "c10d bridge used before a successful bind to libtorch");
    return ready;
}

// work->wait(timeout) dispatched through the Work's own vtable (the override of the work's class).
bool waitWork(void* work, Ms timeout) {
    void** vtable = *static_cast<void***>(work);
    return reinterpret_cast<WorkWaitFn>(vtable[sym.workWaitSlot])(work, timeout);
}

template <typename Fn>
Fn virtualSlot(void* object, int slot) {
    return reinterpret_cast<Fn>((*static_cast<void***>(object))[slot]);
}

void incref(void* obj) {
    static_cast<Target*>(obj)->refcount.fetch_add(1, std::memory_order_relaxed);
}

// Waits for every work (even after one failed), releases them, and rethrows the first failure.
void waitAll(std::vector<void*>& works, Ms timeout, std::exception_ptr failure) {
    for (void* w : works) {
        try {
            waitWork(w, timeout);
        } catch (...) {
            if (!failure) failure = std::current_exception();
        }
        decref(w);
    }
    works.clear();
    if (failure) std::rethrow_exception(failure);
}

template <typename F>
void guarded(JNIEnv* env, const std::string& what, F&& body) {
    try {
        body();
    } catch (const std::exception& e) {
        throwJava(env, what + ": " + e.what());
    } catch (...) {
        throwJava(env, what + ": unknown native exception");
    }
}

}  // namespace

extern "C" {

// Binds to the loaded libtorch_cpu.so at `path`. Returns {version line of at::show_config(), missing symbols}.
JNIEXPORT jobjectArray JNICALL Java_dev_finetune4j_distributed_NativeC10d_bind(JNIEnv* env, jclass, jstring jpath) {
    std::string path = jstring2(env, jpath);
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_LOCAL);
    if (lib == nullptr) {
        const char* err = dlerror();
        throwJava(env, "libtorch_cpu.so at " + path + " is not loaded in this process: " + (err ? err : "?"));
        return nullptr;
    }
    Symbols s{};
    Needed needed[] = {
        {"_ZN2at11show_configB5cxx11Ev", "at::show_config()", reinterpret_cast<void**>(&s.showConfig)},
        {"_ZN4c10d8TCPStoreC1ENSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEERKNS_15TCPStoreOptionsE",
         "c10d::TCPStore::TCPStore(std::string, TCPStoreOptions const&)", reinterpret_cast<void**>(&s.tcpStoreCtor)},
        {"_ZN4c10d8TCPStore3addERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEl",
         "c10d::TCPStore::add(std::string const&, long)", reinterpret_cast<void**>(&s.tcpStoreAdd)},
        {"_ZN4c10d16ProcessGroupGloo7OptionsC1ENSt6chrono8durationIlSt5ratioILl1ELl1000EEEE",
         "c10d::ProcessGroupGloo::Options::Options(milliseconds)", reinterpret_cast<void**>(&s.glooOptionsCtor)},
        {"_ZN4c10d16ProcessGroupGloo23createDeviceForHostnameERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE",
         "c10d::ProcessGroupGloo::createDeviceForHostname", reinterpret_cast<void**>(&s.glooDeviceForHost)},
        {"_ZN4c10d16ProcessGroupGloo24createDeviceForInterfaceERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE",
         "c10d::ProcessGroupGloo::createDeviceForInterface", reinterpret_cast<void**>(&s.glooDeviceForInterface)},
        {"_ZN4c10d16ProcessGroupGloo19createDefaultDeviceEv", "c10d::ProcessGroupGloo::createDefaultDevice",
         reinterpret_cast<void**>(&s.glooDefaultDevice)},
        {"_ZN4c10d16ProcessGroupGlooC1ERKN3c1013intrusive_ptrINS_5StoreENS1_6detail34intrusive_target_default_null_"
         "typeIS3_EEEEiiNS2_INS0_7OptionsENS5_ISA_EEEE",
         "c10d::ProcessGroupGloo::ProcessGroupGloo(store, rank, size, options)", reinterpret_cast<void**>(&s.glooCtor)},
        {"_ZN4c10d16ProcessGroupGloo9allreduceERSt6vectorIN2at6TensorESaIS3_EERKNS_16AllreduceOptionsE",
         "c10d::ProcessGroupGloo::allreduce", reinterpret_cast<void**>(&s.glooAllreduce)},
        {"_ZN4c10d4Work4waitENSt6chrono8durationIlSt5ratioILl1ELl1000EEEE", "c10d::Work::wait(milliseconds)",
         reinterpret_cast<void**>(&s.workWait)},
        {"_ZTVN4c10d8ReduceOpE", "vtable for c10d::ReduceOp", reinterpret_cast<void**>(&s.reduceOpVtable)},
        {"_ZTVN4c10d16ProcessGroupGloo7OptionsE", "vtable for c10d::ProcessGroupGloo::Options",
         reinterpret_cast<void**>(&s.glooOptionsVtable)},
        {"_ZN4c10d16ProcessGroupGloo20_reduce_scatter_baseERN2at6TensorES3_RKNS_20ReduceScatterOptionsE",
         "c10d::ProcessGroupGloo::_reduce_scatter_base", reinterpret_cast<void**>(&s.glooReduceScatterBase)},
        {"_ZN4c10d16ProcessGroupGloo15_allgather_baseERN2at6TensorES3_RKNS_16AllgatherOptionsE",
         "c10d::ProcessGroupGloo::_allgather_base", reinterpret_cast<void**>(&s.glooAllgatherBase)},
        {"_ZTVN4c10d4WorkE", "vtable for c10d::Work", reinterpret_cast<void**>(&s.workVtable)},
        {"_ZTVN4c10d16ProcessGroupGlooE", "vtable for c10d::ProcessGroupGloo", reinterpret_cast<void**>(&s.glooVtable)},
        {"_ZN4c10d12ProcessGroupC1EN3c1013intrusive_ptrINS_5StoreENS1_6detail34intrusive_target_default_null_typeIS3_"
         "EEEEii", "c10d::ProcessGroup::ProcessGroup(intrusive_ptr<Store>, int, int)",
         reinterpret_cast<void**>(&s.pgCtor)},
        {"_ZTVN4c10d12ProcessGroupE", "vtable for c10d::ProcessGroup", reinterpret_cast<void**>(&s.pgVtable)},
        {"_ZN4c10d12ProcessGroup10getBackendEN3c1010DeviceTypeE", "c10d::ProcessGroup::getBackend(DeviceType)",
         reinterpret_cast<void**>(&s.pgGetBackend)},
        {"_ZN4c10d12ProcessGroup12setGroupNameERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE",
         "c10d::ProcessGroup::setGroupName", reinterpret_cast<void**>(&s.pgSetGroupName)},
        {"_ZN4c10d22register_process_groupERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEERKN3c1013intrusive_"
         "ptrINS_12ProcessGroupENS8_6detail34intrusive_target_default_null_typeISA_EEEE",
         "c10d::register_process_group", reinterpret_cast<void**>(&s.registerPg)},
        {"_ZN4c10d24unregister_process_groupERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE",
         "c10d::unregister_process_group", reinterpret_cast<void**>(&s.unregisterPg)},
    };
    std::string missing;
    for (const Needed& n : needed) {
        void* p = dlsym(lib, n.mangled);
        if (p == nullptr) {
            if (!missing.empty()) missing += "; ";
            missing += n.readable;
        }
        *n.slot = p;
    }
    s.workWaitSlot = -1;
    if (s.workVtable != nullptr && s.workWait != nullptr) {
        for (int i = 0; i < kWorkVtableSlots; i++) {
            if (s.workVtable[2 + i] == reinterpret_cast<void*>(s.workWait)) s.workWaitSlot = i;
        }
        if (s.workWaitSlot < 0) {
            if (!missing.empty()) missing += "; ";
            missing += "c10d::Work::wait(milliseconds) in the vtable for c10d::Work (another class layout)";
        }
    }
    s.allreduceSlot = s.reduceScatterSlot = s.allgatherSlot = -1;
    if (s.glooVtable != nullptr) {
        for (int i = 0; i < kBackendVtableSlots; i++) {
            void* f = s.glooVtable[2 + i];
            if (f == reinterpret_cast<void*>(s.glooAllreduce)) s.allreduceSlot = i;
            if (f == reinterpret_cast<void*>(s.glooReduceScatterBase)) s.reduceScatterSlot = i;
            if (f == reinterpret_cast<void*>(s.glooAllgatherBase)) s.allgatherSlot = i;
        }
        if (s.allreduceSlot < 0 || s.reduceScatterSlot < 0 || s.allgatherSlot < 0) {
            if (!missing.empty()) missing += "; ";
            missing += "allreduce/_reduce_scatter_base/_allgather_base in the vtable for c10d::ProcessGroupGloo";
        }
    }
    std::string config;
    if (missing.empty()) {
        try {
            config = s.showConfig();
        } catch (...) {
            config = "";
        }
    } else if (s.showConfig != nullptr) {
        try {
            config = s.showConfig();
        } catch (...) {
        }
    }
    dlclose(lib);  // drops only the reference RTLD_NOLOAD added; DJL keeps the library loaded
    if (missing.empty()) {
        sym = s;
    }
    jclass stringClass = env->FindClass("java/lang/String");
    jobjectArray out = env->NewObjectArray(2, stringClass, nullptr);
    env->SetObjectArrayElement(out, 0, env->NewStringUTF(config.c_str()));
    env->SetObjectArrayElement(out, 1, env->NewStringUTF(missing.c_str()));
    return out;
}

// Layout probe: constructs a ProcessGroupGloo::Options and reports what it finds at the offsets the bridge writes:
// {vtable matches, timeout, backend name, threads}. Java refuses the bridge unless these read back as expected.
JNIEXPORT jobjectArray JNICALL Java_dev_finetune4j_distributed_NativeC10d_probeLayout(JNIEnv* env, jclass,
                                                                                     jlong timeoutMs) {
    if (sym.glooOptionsCtor == nullptr) {
        throwJava(env, "c10d bridge is not bound");
        return nullptr;
    }
    std::string vt, timeout, backend, threads;
    guarded(env, "probing ProcessGroupGloo::Options", [&] {
        void* mem = ::operator new(kGlooOptionsSize + 256);
        std::memset(mem, 0, kGlooOptionsSize + 256);
        sym.glooOptionsCtor(mem, Ms(timeoutMs));
        auto* bytes = static_cast<char*>(mem);
        vt = (*reinterpret_cast<void***>(mem) == sym.glooOptionsVtable + 2) ? "true" : "false";
        timeout = std::to_string(*reinterpret_cast<int64_t*>(bytes + kGlooOptionsTimeout));
        backend = *reinterpret_cast<std::string*>(bytes + kGlooOptionsBackend);
        threads = std::to_string(*reinterpret_cast<int32_t*>(bytes + kGlooOptionsThreads));
        adopt(mem);
        decref(mem);
    });
    if (env->ExceptionCheck()) return nullptr;
    jclass stringClass = env->FindClass("java/lang/String");
    jobjectArray out = env->NewObjectArray(4, stringClass, nullptr);
    env->SetObjectArrayElement(out, 0, env->NewStringUTF(vt.c_str()));
    env->SetObjectArrayElement(out, 1, env->NewStringUTF(timeout.c_str()));
    env->SetObjectArrayElement(out, 2, env->NewStringUTF(backend.c_str()));
    env->SetObjectArrayElement(out, 3, env->NewStringUTF(threads.c_str()));
    return out;
}

// Reads the reference counts of the TensorImpl behind a DJL tensor handle (at::Tensor*): {refcount, weakcount}.
JNIEXPORT jlongArray JNICALL Java_dev_finetune4j_distributed_NativeC10d_tensorRefcounts(JNIEnv* env, jclass,
                                                                                       jlong handle) {
    auto* impl = *reinterpret_cast<Target**>(handle);
    jlong v[2] = {static_cast<jlong>(impl->refcount.load()), static_cast<jlong>(impl->weakcount.load())};
    jlongArray out = env->NewLongArray(2);
    env->SetLongArrayRegion(out, 0, 2, v);
    return out;
}

// A TCPStore (server on the master rank, client elsewhere); returns the Store* with one reference.
JNIEXPORT jlong JNICALL Java_dev_finetune4j_distributed_NativeC10d_createStore(JNIEnv* env, jclass, jstring jhost,
                                                                              jint port, jboolean isServer,
                                                                              jint worldSize, jlong timeoutMs) {
    if (!checkReady(env)) return 0;
    std::string host = jstring2(env, jhost);
    void* mem = nullptr;
    guarded(env, "creating the TCPStore at " + host + ":" + std::to_string(port), [&] {
        TCPStoreOptions opts{};
        opts.port = static_cast<uint16_t>(port);
        opts.isServer = isServer;
        opts.numWorkers = static_cast<size_t>(worldSize);
        opts.waitWorkers = true;
        opts.timeoutMs = timeoutMs;
        opts.multiTenant = false;
        opts.masterListenFd = std::nullopt;
        opts.useLibUV = true;
        mem = ::operator new(kStoreBytes);
        std::memset(mem, 0, kStoreBytes);
        try {
            sym.tcpStoreCtor(mem, host, opts);
        } catch (...) {
            ::operator delete(mem);
            mem = nullptr;
            throw;
        }
        adopt(mem);
    });
    return reinterpret_cast<jlong>(mem);
}

JNIEXPORT jlong JNICALL Java_dev_finetune4j_distributed_NativeC10d_storeAdd(JNIEnv* env, jclass, jlong store,
                                                                           jstring jkey, jlong delta) {
    if (!checkReady(env)) return 0;
    std::string key = jstring2(env, jkey);
    jlong result = 0;
    guarded(env, "TCPStore.add", [&] { result = sym.tcpStoreAdd(reinterpret_cast<void*>(store), key, delta); });
    return result;
}

// A ProcessGroupGloo over `store`; `device` is "host:NAME", "iface:NAME" or "default". Returns it with one reference.
JNIEXPORT jlong JNICALL Java_dev_finetune4j_distributed_NativeC10d_createGloo(JNIEnv* env, jclass, jlong store,
                                                                             jint rank, jint size, jstring jdevice,
                                                                             jlong timeoutMs, jint threads) {
    if (!checkReady(env)) return 0;
    std::string device = jstring2(env, jdevice);
    void* pg = nullptr;
    guarded(env, "creating the gloo process group", [&] {
        void* opts = ::operator new(kGlooOptionsSize + 256);
        std::memset(opts, 0, kGlooOptionsSize + 256);
        sym.glooOptionsCtor(opts, Ms(timeoutMs));
        adopt(opts);
        IPtr optionsArg(opts);  // the by-value argument: holds the bridge's one reference
        try {
            std::shared_ptr<void> dev;
            if (device.rfind("host:", 0) == 0) {
                dev = sym.glooDeviceForHost(device.substr(5));
            } else if (device.rfind("iface:", 0) == 0) {
                dev = sym.glooDeviceForInterface(device.substr(6));
            } else {
                dev = sym.glooDefaultDevice();
            }
            auto* bytes = static_cast<char*>(opts);
            reinterpret_cast<std::vector<std::shared_ptr<void>>*>(bytes + kGlooOptionsDevices)->push_back(dev);
            *reinterpret_cast<int32_t*>(bytes + kGlooOptionsThreads) = threads;
            void* mem = ::operator new(kGlooBytes);
            std::memset(mem, 0, kGlooBytes);
            IPtr storePtr(reinterpret_cast<void*>(store));
            try {
                sym.glooCtor(mem, storePtr, rank, size, &optionsArg);
            } catch (...) {
                ::operator delete(mem);
                throw;
            }
            adopt(mem);
            pg = mem;
        } catch (...) {
            decref(optionsArg.p);
            throw;
        }
        decref(optionsArg.p);  // destroying the argument: null when the constructor moved from it
    });
    return reinterpret_cast<jlong>(pg);
}

// Sums each tensor (DJL handles: at::Tensor*) across the group in place: one gloo all-reduce per tensor, all
// started before the first wait so they overlap. Waits for every started one even when another failed.
JNIEXPORT void JNICALL Java_dev_finetune4j_distributed_NativeC10d_allreduceSum(JNIEnv* env, jclass, jlong pg,
                                                                              jlongArray jhandles, jlong timeoutMs) {
    if (!checkReady(env)) return;
    jsize n = env->GetArrayLength(jhandles);
    std::vector<jlong> handles(n);
    env->GetLongArrayRegion(jhandles, 0, n, handles.data());
    guarded(env, "all-reduce", [&] {
        AllreduceOptions opts{};
        opts.reduceOpVptr = sym.reduceOpVtable + 2;
        opts.reduceOpRefcount = 1;
        opts.reduceOpWeakcount = 1;
        opts.op = 0;  // SUM
        opts.supplement = nullptr;
        opts.timeoutMs = -1;  // kUnsetTimeout: the group's timeout applies
        opts.sparseIndices = std::nullopt;
        std::vector<void*> works;
        std::exception_ptr failure;
        for (jlong h : handles) {
            // same layout as std::vector<at::Tensor>: one TensorImpl* per element, borrowed (DJL keeps the tensor
            // alive for the call; gloo takes its own references)
            std::vector<void*> one{*reinterpret_cast<void**>(h)};
            try {
                void* group = reinterpret_cast<void*>(pg);
                works.push_back(virtualSlot<AllreduceFn>(group, sym.allreduceSlot)(group, one, opts).p);
            } catch (...) {
                failure = std::current_exception();
                break;
            }
        }
        waitAll(works, Ms(timeoutMs), failure);
    });
}

// For each pair i: outs[i] (n elements) becomes this rank's chunk of the cross-rank sum of ins[i] (size*n elements),
// through c10d's _reduce_scatter_base (gloo 2.7.1 runs it as an all-reduce of a copy of the input and keeps the
// rank's chunk; NCCL as a true reduce-scatter). All pairs are started before the first wait.
JNIEXPORT void JNICALL Java_dev_finetune4j_distributed_NativeC10d_reduceScatterSum(JNIEnv* env, jclass, jlong pg,
                                                                                  jlongArray jouts, jlongArray jins,
                                                                                  jlong timeoutMs) {
    if (!checkReady(env)) return;
    jsize n = env->GetArrayLength(jouts);
    std::vector<jlong> outs(n), ins(n);
    env->GetLongArrayRegion(jouts, 0, n, outs.data());
    env->GetLongArrayRegion(jins, 0, n, ins.data());
    guarded(env, "reduce-scatter", [&] {
        ReduceScatterOptions opts{};
        opts.reduceOpVptr = sym.reduceOpVtable + 2;
        opts.reduceOpRefcount = 1;
        opts.reduceOpWeakcount = 1;
        opts.op = 0;  // SUM
        opts.supplement = nullptr;
        opts.timeoutMs = -1;
        opts.asyncOp = true;
        std::vector<void*> works;
        std::exception_ptr failure;
        for (jsize i = 0; i < n; i++) {
            try {
                void* group = reinterpret_cast<void*>(pg);
                works.push_back(virtualSlot<ReduceScatterBaseFn>(group, sym.reduceScatterSlot)(
                        group, reinterpret_cast<void*>(outs[i]), reinterpret_cast<void*>(ins[i]), opts).p);
            } catch (...) {
                failure = std::current_exception();
                break;
            }
        }
        waitAll(works, Ms(timeoutMs), failure);
    });
}

// For each pair i: outs[i] (size*n elements) receives every rank's ins[i] (n elements) in rank order, through
// c10d's _allgather_base (gloo's allgather). All pairs are started before the first wait.
JNIEXPORT void JNICALL Java_dev_finetune4j_distributed_NativeC10d_allGather(JNIEnv* env, jclass, jlong pg,
                                                                           jlongArray jouts, jlongArray jins,
                                                                           jlong timeoutMs) {
    if (!checkReady(env)) return;
    jsize n = env->GetArrayLength(jouts);
    std::vector<jlong> outs(n), ins(n);
    env->GetLongArrayRegion(jouts, 0, n, outs.data());
    env->GetLongArrayRegion(jins, 0, n, ins.data());
    guarded(env, "all-gather", [&] {
        AllgatherOptions opts{};
        opts.timeoutMs = -1;
        opts.asyncOp = true;
        std::vector<void*> works;
        std::exception_ptr failure;
        for (jsize i = 0; i < n; i++) {
            try {
                void* group = reinterpret_cast<void*>(pg);
                works.push_back(virtualSlot<AllgatherBaseFn>(group, sym.allgatherSlot)(
                        group, reinterpret_cast<void*>(outs[i]), reinterpret_cast<void*>(ins[i]), opts).p);
            } catch (...) {
                failure = std::current_exception();
                break;
            }
        }
        waitAll(works, Ms(timeoutMs), failure);
    });
}

// Binds ProcessGroupNCCL in the loaded libtorch_cuda.so at `path` (after bind() succeeded for libtorch_cpu.so).
// Returns what is missing or laid out otherwise than the bridge expects ("" when usable).
JNIEXPORT jstring JNICALL Java_dev_finetune4j_distributed_NativeC10d_bindNccl(JNIEnv* env, jclass, jstring jpath) {
    if (!checkReady(env)) return nullptr;
    std::string path = jstring2(env, jpath);
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_LOCAL);
    if (lib == nullptr) {
        const char* err = dlerror();
        throwJava(env, "libtorch_cuda.so at " + path + " is not loaded in this process: " + (err ? err : "?"));
        return nullptr;
    }
    NcclSymbols n{};
    Needed needed[] = {
        {"_ZN4c10d16ProcessGroupNCCL7OptionsC1Eb", "c10d::ProcessGroupNCCL::Options::Options(bool)",
         reinterpret_cast<void**>(&n.optionsCtor)},
        {"_ZTVN4c10d16ProcessGroupNCCL7OptionsE", "vtable for c10d::ProcessGroupNCCL::Options",
         reinterpret_cast<void**>(&n.optionsVtable)},
        {"_ZTVN4c10d16ProcessGroupNCCLE", "vtable for c10d::ProcessGroupNCCL", reinterpret_cast<void**>(&n.vtable)},
        {"_ZN4c10d16ProcessGroupNCCL9allreduceERSt6vectorIN2at6TensorESaIS3_EERKNS_16AllreduceOptionsE",
         "c10d::ProcessGroupNCCL::allreduce", &n.allreduce},
        {"_ZN4c10d16ProcessGroupNCCL20_reduce_scatter_baseERN2at6TensorES3_RKNS_20ReduceScatterOptionsE",
         "c10d::ProcessGroupNCCL::_reduce_scatter_base", &n.reduceScatterBase},
        {"_ZN4c10d16ProcessGroupNCCL15_allgather_baseERN2at6TensorES3_RKNS_16AllgatherOptionsE",
         "c10d::ProcessGroupNCCL::_allgather_base", &n.allgatherBase},
    };
    std::string missing;
    for (const Needed& x : needed) {
        void* p = dlsym(lib, x.mangled);
        if (p == nullptr) {
            if (!missing.empty()) missing += "; ";
            missing += x.readable;
        }
        *x.slot = p;
    }
    n.ctorByValue = reinterpret_cast<NcclCtorByValueFn>(dlsym(lib,
            "_ZN4c10d16ProcessGroupNCCLC1EN3c1013intrusive_ptrINS_5StoreENS1_6detail34intrusive_target_default_null_"
            "typeIS3_EEEEiiNS2_INS0_7OptionsENS5_IS8_EEEE"));
    n.ctorByRef = reinterpret_cast<NcclCtorByRefFn>(dlsym(lib,
            "_ZN4c10d16ProcessGroupNCCLC1ERKN3c1013intrusive_ptrINS_5StoreENS1_6detail34intrusive_target_default_null_"
            "typeIS3_EEEEiiNS2_INS0_7OptionsENS5_ISA_EEEE"));
    if (n.ctorByValue == nullptr && n.ctorByRef == nullptr) {
        if (!missing.empty()) missing += "; ";
        missing += "c10d::ProcessGroupNCCL::ProcessGroupNCCL(store, rank, size, options)";
    }
    if (missing.empty()) {
        // the collectives sit in the same c10d::Backend vtable slots as ProcessGroupGloo's
        if (n.vtable[2 + sym.allreduceSlot] != n.allreduce
                || n.vtable[2 + sym.reduceScatterSlot] != n.reduceScatterBase
                || n.vtable[2 + sym.allgatherSlot] != n.allgatherBase) {
            missing = "ProcessGroupNCCL's vtable does not hold allreduce/_reduce_scatter_base/_allgather_base in the "
                      "c10d::Backend slots ProcessGroupGloo's does (another class layout)";
        }
    }
    std::string backend;
    if (missing.empty()) {
        guarded(env, "probing ProcessGroupNCCL::Options", [&] {
            void* mem = ::operator new(kNcclOptionsBytes);
            std::memset(mem, 0, kNcclOptionsBytes);
            n.optionsCtor(mem, false);
            bool vt = *static_cast<void***>(mem) == n.optionsVtable + 2;
            backend = *reinterpret_cast<std::string*>(static_cast<char*>(mem) + kGlooOptionsBackend);
            adopt(mem);
            decref(mem);
            if (!vt || backend != "nccl") {
                missing = "a fresh ProcessGroupNCCL::Options does not read back its vtable and backend name \"nccl\" "
                          "(read \"" + backend + "\") at the offsets of c10d::Backend::Options";
            }
        });
        if (env->ExceptionCheck()) {
            dlclose(lib);
            return nullptr;
        }
    }
    dlclose(lib);
    if (missing.empty()) {
        ncclSym = n;
        ncclReady = true;
    }
    return env->NewStringUTF(missing.c_str());
}

// A ProcessGroupNCCL over `store` with the given collective timeout; returns it with one reference. Unverified on a
// GPU (docs/distributed.md).
JNIEXPORT jlong JNICALL Java_dev_finetune4j_distributed_NativeC10d_createNccl(JNIEnv* env, jclass, jlong store,
                                                                             jint rank, jint size, jlong timeoutMs) {
    if (!checkReady(env)) return 0;
    if (!ncclReady) {
        throwJava(env, "the c10d bridge is not bound to ProcessGroupNCCL");
        return 0;
    }
    void* pg = nullptr;
    guarded(env, "creating the NCCL process group", [&] {
        void* opts = ::operator new(kNcclOptionsBytes);
        std::memset(opts, 0, kNcclOptionsBytes);
        ncclSym.optionsCtor(opts, false);
        adopt(opts);
        *reinterpret_cast<int64_t*>(static_cast<char*>(opts) + kGlooOptionsTimeout) = timeoutMs;
        IPtr optionsArg(opts);
        void* mem = ::operator new(kNcclBytes);
        std::memset(mem, 0, kNcclBytes);
        try {
            if (ncclSym.ctorByValue != nullptr) {
                incref(reinterpret_cast<void*>(store));  // the by-value store argument's own reference
                IPtr storeArg(reinterpret_cast<void*>(store));
                try {
                    ncclSym.ctorByValue(mem, &storeArg, rank, size, &optionsArg);
                } catch (...) {
                    decref(storeArg.p);
                    throw;
                }
                decref(storeArg.p);
            } else {
                IPtr storePtr(reinterpret_cast<void*>(store));
                ncclSym.ctorByRef(mem, storePtr, rank, size, &optionsArg);
            }
        } catch (...) {
            ::operator delete(mem);
            decref(optionsArg.p);
            throw;
        }
        decref(optionsArg.p);
        adopt(mem);
        pg = mem;
    });
    return reinterpret_cast<jlong>(pg);
}

// Registers `backend` (a ProcessGroupGloo or ProcessGroupNCCL of this bridge) under `name` as a c10d::ProcessGroup,
// so that the functional collectives (_c10d_functional::all_reduce etc., e.g. from TorchScript) resolve it. Fills
// the group's backend maps as the inline ProcessGroup::setBackend(device, type, backend) and setDefaultBackend(type)
// do, after checking a fresh group's layout (four empty hashtables at the offsets above, backendType_ undefined),
// and verifies through the exported getBackend(device) that libtorch finds the backend. Returns the ProcessGroup
// with one reference.
JNIEXPORT jlong JNICALL Java_dev_finetune4j_distributed_NativeC10d_registerGroup(JNIEnv* env, jclass, jstring jname,
                                                                                jlong store, jlong backend, jint rank,
                                                                                jint size, jboolean cuda) {
    if (!checkReady(env)) return 0;
    std::string name = jstring2(env, jname);
    void* pg = nullptr;
    guarded(env, "registering the process group '" + name + "'", [&] {
        void* mem = ::operator new(kPgBytes);
        std::memset(mem, 0, kPgBytes);
        incref(reinterpret_cast<void*>(store));  // the by-value store argument's own reference
        IPtr storeArg(reinterpret_cast<void*>(store));
        try {
            sym.pgCtor(mem, &storeArg, rank, size);
        } catch (...) {
            decref(storeArg.p);
            ::operator delete(mem);
            throw;
        }
        decref(storeArg.p);
        adopt(mem);
        char* bytes = static_cast<char*>(mem);
        bool layout = *static_cast<void***>(mem) == sym.pgVtable + 2
                && *reinterpret_cast<uint8_t*>(bytes + kPgBackendType) == kUndefinedBackend
                && emptyHashtable(bytes + kPgDeviceTypes) && emptyHashtable(bytes + kPgDeviceTypeToBackendType)
                && emptyHashtable(bytes + kPgDeviceTypeToBackend) && emptyHashtable(bytes + kPgBackendTypeToBackend);
        if (!layout) {
            decref(mem);
            throw std::runtime_error("a fresh c10d::ProcessGroup is not laid out as the bridge expects (vtable, "
                                     "backendType_ and four empty backend tables at 0x50..0xf8)");
        }
        DevType dev = cuda ? DevType::CUDA : DevType::CPU;
        BackendKind kind = cuda ? kNcclBackend : kGlooBackend;
        void* b = reinterpret_cast<void*>(backend);
        reinterpret_cast<DevToKind*>(bytes + kPgDeviceTypeToBackendType)->emplace(dev, kind);
        reinterpret_cast<DevSet*>(bytes + kPgDeviceTypes)->insert(dev);
        incref(b);
        reinterpret_cast<DevToBackend*>(bytes + kPgDeviceTypeToBackend)->emplace(dev, RawPtr{b});
        incref(b);
        reinterpret_cast<KindToBackend*>(bytes + kPgBackendTypeToBackend)->emplace(kind, RawPtr{b});
        *reinterpret_cast<uint8_t*>(bytes + kPgBackendType) = kind;
        void* found = nullptr;
        try {
            IPtr r = sym.pgGetBackend(mem, dev);
            found = r.p;
            decref(r.p);
        } catch (...) {
            decref(mem);
            throw;
        }
        if (found != b) {
            decref(mem);
            throw std::runtime_error("c10d::ProcessGroup::getBackend does not return the backend the bridge set");
        }
        sym.pgSetGroupName(mem, name);
        IPtr pgPtr(mem);
        try {
            sym.registerPg(name, pgPtr);
        } catch (...) {
            decref(mem);
            throw;
        }
        pg = mem;
    });
    return reinterpret_cast<jlong>(pg);
}

JNIEXPORT void JNICALL Java_dev_finetune4j_distributed_NativeC10d_unregisterGroup(JNIEnv* env, jclass,
                                                                                 jstring jname) {
    if (!checkReady(env)) return;
    std::string name = jstring2(env, jname);
    guarded(env, "unregistering the process group '" + name + "'", [&] { sym.unregisterPg(name); });
}

JNIEXPORT void JNICALL Java_dev_finetune4j_distributed_NativeC10d_release(JNIEnv* env, jclass, jlong target) {
    guarded(env, "releasing a c10d object", [&] { decref(reinterpret_cast<void*>(target)); });
}

JNIEXPORT void JNICALL Java_dev_finetune4j_distributed_NativeC10d_markReady(JNIEnv*, jclass) { ready = true; }

}  // extern "C"
