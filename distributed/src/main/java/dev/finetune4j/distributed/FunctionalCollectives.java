package dev.finetune4j.distributed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.KernelBridge;
import dev.finetune4j.engine.kernel.KernelArchive;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TorchScript code calling c10d's functional collectives ({@code _c10d_functional::all_reduce} and
 * {@code wait_tensor}) on a {@link ProcessGroup} registered by name ({@link ProcessGroup#register}): the route by
 * which kernels written in TorchScript reach the job's group (docs/distributed.md, "Functional collectives").
 */
public final class FunctionalCollectives implements AutoCloseable {
    private final NDManager owner;
    private final PtSymbolBlock module;

    private FunctionalCollectives(NDManager owner, PtSymbolBlock module) {
        this.owner = owner;
        this.module = module;
    }

    /** Compiles the collectives for the group registered as {@code groupName} on the group's device. */
    public static FunctionalCollectives of(ProcessGroup group) {
        String name = group.registeredName();
        if (name == null) {
            throw new C10dException("the process group is not registered: call register(name) first");
        }
        if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new C10dException("a registered group name must be 1-64 of [A-Za-z0-9_.-], got '" + name + "'");
        }
        String source = String.join("\n",
                "class Collectives(Module):",
                "  __parameters__ = []",
                "  __buffers__ = []",
                "  training : bool",
                "  def all_reduce_sum(self: __torch__.Collectives, x: Tensor) -> Tensor:",
                "    y = ops._c10d_functional.all_reduce(x, \"sum\", \"" + name + "\")",
                "    return ops._c10d_functional.wait_tensor(y)",
                "");
        NDManager owner = NDManager.newBaseManager(group.device(), "PyTorch");
        try {
            Path dir = Files.createTempDirectory("finetune4j-collectives");
            Path file = dir.resolve("collectives.pt");
            try {
                KernelArchive.write(file, "Collectives", source);
                PtSymbolBlock block = JniUtils.loadModule((PtNDManager) owner, file, true, new String[0],
                        new String[0], false);
                return new FunctionalCollectives(owner, block);
            } finally {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            owner.close();
            throw new UncheckedIOException("cannot write the collectives archive: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            owner.close();
            throw new C10dException("cannot load the functional collectives: " + e.getMessage(), e);
        }
    }

    /** The cross-rank sum of {@code x} (a new array) through {@code _c10d_functional::all_reduce}. */
    public NDArray allReduceSum(NDArray x) {
        return KernelBridge.run(module.getHandle(), "all_reduce_sum", (PtNDManager) x.getManager(), false,
                (PtNDArray) x)[0];
    }

    @Override
    public void close() {
        owner.close();
    }
}
