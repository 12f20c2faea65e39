package dev.finetune4j.engine.device;

/** The configured device cannot be used (unknown spelling, or CUDA asked for where libtorch has no GPU). */
public class DeviceUnavailableException extends RuntimeException {

    public DeviceUnavailableException(String message) {
        super(message);
    }
}
