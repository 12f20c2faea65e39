package dev.finetune4j.engine.model;

import ai.djl.Device;
import dev.finetune4j.engine.lora.LoraOptions;

/**
 * How to build a model for a run.
 *
 * @param device    where every tensor of the run lives (see {@code Devices.resolve})
 * @param precision compute precision; {@code AUTO} is resolved for the device here
 * @param lora      LoRA adapters to add (base frozen), or null for full fine-tuning
 * @param int8      store frozen base Linear weights as int8 with per-output-channel scales (requires LoRA)
 * @param seed      seeds random init (weights, LoRA A) and dropout
 */
public record ModelOptions(Device device, Precision precision, DropoutOptions dropout, LoraOptions lora, boolean int8,
                           long seed) {

    public ModelOptions {
        precision = (precision == null ? Precision.AUTO : precision).resolve(device != null && device.isGpu());
        if (dropout == null) {
            dropout = DropoutOptions.NONE;
        }
        if (int8 && lora == null) {
            throw new ConfigException("int8_quantization needs lora: an int8 base is frozen, so only LoRA adapters "
                    + "can be trained");
        }
    }

    /**
     * fp32 on {@code device}, no dropout, no LoRA, no int8, seed 0; set the rest by name with the {@code with*}
     * methods (LoRA before int8).
     */
    public static ModelOptions on(Device device) {
        return new ModelOptions(device, Precision.FP32, DropoutOptions.NONE, null, false, 0);
    }

    /** fp32 on the CPU, no dropout, no LoRA. */
    public static ModelOptions cpu() {
        return on(Device.cpu());
    }

    public ModelOptions withSeed(long s) {
        return new ModelOptions(device, precision, dropout, lora, int8, s);
    }

    public ModelOptions withPrecision(Precision p) {
        return new ModelOptions(device, p, dropout, lora, int8, seed);
    }

    public ModelOptions withLora(LoraOptions l) {
        return new ModelOptions(device, precision, dropout, l, int8, seed);
    }

    public ModelOptions withInt8(boolean q) {
        return new ModelOptions(device, precision, dropout, lora, q, seed);
    }

    public ModelOptions withDropout(DropoutOptions d) {
        return new ModelOptions(device, precision, d, lora, int8, seed);
    }
}
