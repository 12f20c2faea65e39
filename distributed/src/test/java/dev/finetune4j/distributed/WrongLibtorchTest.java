package dev.finetune4j.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge refuses a libtorch it was not written for, shown with real shared libraries: stand-ins for
 * libtorch_cpu.so compiled here with g++ (soname libtorch_cpu.so, libtorch's own {@code at::show_config()} symbol)
 * and loaded into this JVM next to DJL's libtorch. A clear {@link C10dException}, never a crash.
 */
class WrongLibtorchTest {
    @TempDir
    Path dir;

    /** Another libtorch version: refused naming the version the bridge expects and the one found. */
    @Test
    void anotherVersionIsRefused() throws Exception {
        Path lib = standIn("2.8.0");
        C10dException e = assertThrows(C10dException.class, () -> C10d.checkLibrary(lib));
        assertTrue(e.getMessage().contains("written for libtorch 2.7.1"), e.getMessage());
        assertTrue(e.getMessage().contains(lib + " is 2.8.0"), e.getMessage());
    }

    /** The right version string but without c10d (a build without distributed support): the symbols are named. */
    @Test
    void missingSymbolsAreNamed() throws Exception {
        Path lib = standIn("2.7.1");
        C10dException e = assertThrows(C10dException.class, () -> C10d.checkLibrary(lib));
        assertTrue(e.getMessage().contains("lacks symbols the c10d bridge calls"), e.getMessage());
        assertTrue(e.getMessage().contains("c10d::ProcessGroupGloo::_reduce_scatter_base"), e.getMessage());
        assertTrue(e.getMessage().contains("c10d::TCPStore::TCPStore"), e.getMessage());
    }

    /** A library at that path that this process has not loaded is refused before any lookup. */
    @Test
    void aLibtorchNotLoadedHereIsRefused() throws Exception {
        Path lib = compile("2.7.1", false);
        C10dException e = assertThrows(C10dException.class, () -> C10d.checkLibrary(lib));
        assertTrue(e.getMessage().contains("is not loaded in this process"), e.getMessage());
    }

    private Path standIn(String version) throws Exception {
        return compile(version, true);
    }

    private Path compile(String version, boolean load) throws IOException, InterruptedException {
        Path cxx = BridgeLibrary.compiler();
        if (cxx == null) {
            System.out.println("SKIP WrongLibtorchTest: no g++ (or $CXX) to compile a stand-in libtorch");
        }
        assumeTrue(cxx != null, "no g++ (or $CXX)");
        // DJL's real libtorch is loaded and bound first, as in a run (other tests in this JVM use it; a stand-in of
        // the same file name mapped later must not be taken for it)
        Engine.getEngine("PyTorch");
        C10d.bind();
        Path src = dir.resolve("standin.cpp");
        Files.writeString(src, String.join("\n",
                "#include <string>",
                "namespace at {",
                "std::string show_config() {",
                "  return \"PyTorch built with:\\n  - Build settings: BUILD_TYPE=Release, TORCH_VERSION=" + version
                        + ", USE_CUDA=0, USE_DISTRIBUTED=0\\n\";",
                "}",
                "}  // namespace at", ""));
        Path out = dir.resolve(version).resolve("libtorch_cpu.so");
        Files.createDirectories(out.getParent());
        Process p = new ProcessBuilder(List.of(cxx.toString(), "-std=c++17", "-O1", "-fPIC", "-shared",
                "-Wl,-soname,libtorch_cpu.so", "-o", out.toString(), src.toString()))
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "g++ finished");
        assertEquals(0, p.exitValue(), log);
        if (load) {
            System.load(out.toString());
        }
        return out;
    }
}
