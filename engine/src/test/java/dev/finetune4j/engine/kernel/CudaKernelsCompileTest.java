package dev.finetune4j.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

/** The CUDA-only kernel source (varlen flash attention) must at least compile against libtorch's op schemas. */
class CudaKernelsCompileTest {

    @Test
    void cudaKernelSourceCompiles() throws Exception {
        assertNotNull(KernelLibrary.loadCudaKernels(Device.cpu()));
    }
}
