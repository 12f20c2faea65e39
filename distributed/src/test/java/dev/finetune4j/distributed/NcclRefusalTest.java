package dev.finetune4j.distributed;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** With a CPU-only libtorch, a CUDA rank (c10d's NCCL backend) is refused with a clear message, before any socket. */
class NcclRefusalTest {

    @Test
    void cpuOnlyLibtorchRefusesNccl() {
        Bridge.assumeBuildable();
        Engine.getEngine("PyTorch");
        boolean cpuOnly = C10d.loadedLibrary("libtorch_cuda.so") == null;
        if (!cpuOnly) {
            System.out.println("SKIP NcclRefusalTest: this JVM loaded libtorch_cuda.so");
        }
        assumeTrue(cpuOnly, "a CUDA libtorch is loaded");
        C10dException e = assertThrows(C10dException.class, () -> ProcessGroup.nccl(0, 2, "127.0.0.1",
                Bridge.freePort(), Device.gpu(0), Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("backend nccl (device cuda) needs libtorch_cuda.so"), e.getMessage());
        assertTrue(e.getMessage().contains("libtorch 2.7.1"), e.getMessage());
        assertTrue(e.getMessage().contains("device: cpu"), e.getMessage());
        C10dException cpu = assertThrows(C10dException.class, () -> ProcessGroup.nccl(0, 2, "127.0.0.1",
                Bridge.freePort(), Device.cpu(), Duration.ofSeconds(5)));
        assertTrue(cpu.getMessage().contains("needs a CUDA device"), cpu.getMessage());
    }
}
