package dev.finetune4j.engine.device;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;

/** Resolves the {@code device} setting of a run to a DJL device. */
public final class Devices {

    private Devices() {
    }

    /**
     * {@code auto} → the first GPU if the loaded libtorch has CUDA, else the CPU; {@code cpu}; {@code cuda} (=
     * {@code cuda:0}); {@code cuda:N}.
     *
     * @throws DeviceUnavailableException for another spelling, or CUDA when no GPU is usable
     */
    public static Device resolve(String spec) {
        String s = spec == null ? "auto" : spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        if (s.equals("auto")) {
            return gpus > 0 ? Device.gpu(0) : Device.cpu();
        }
        if (s.equals("cuda") || s.equals("gpu") || s.startsWith("cuda:")) {
            int id;
            try {
                id = s.startsWith("cuda:") ? Integer.parseInt(s.substring(5)) : 0;
            } catch (NumberFormatException e) {
                throw new DeviceUnavailableException("device '" + spec + "': the GPU index must be an integer, e.g. "
                        + "cuda:0");
            }
            if (gpus == 0) {
                throw new DeviceUnavailableException("device '" + spec + "' needs CUDA, but the loaded libtorch sees "
                        + "no GPU (CPU libtorch, or no driver). Use device: cpu or auto, or run with CUDA libtorch "
                        + "(build with -Dno-cpu-natives; offline: PYTORCH_LIBRARY_PATH and PYTORCH_FLAVOR=cu128)");
            }
            if (id < 0 || id >= gpus) {
                throw new DeviceUnavailableException("device '" + spec + "': GPU index " + id + " does not exist; "
                        + gpus + " GPU(s) visible (cuda:0.." + "cuda:" + (gpus - 1) + ")");
            }
            return Device.gpu(id);
        }
        throw new DeviceUnavailableException("device '" + spec + "' is not supported; allowed: auto, cpu, cuda, "
                + "cuda:N");
    }
}
