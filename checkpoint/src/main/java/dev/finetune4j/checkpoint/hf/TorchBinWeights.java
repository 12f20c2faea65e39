package dev.finetune4j.checkpoint.hf;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.StoredTensor;
import java.nio.file.Path;
import java.util.List;

/** pytorch_model*.bin weights read through the torch reader. */
final class TorchBinWeights implements HfModelFolder.WeightSource {
    private TorchBinWeights() {
    }

    static TorchBinWeights open(Path p) {
        throw CheckpointFormatException.of(p, "pytorch_model.bin weights are not readable yet; convert to safetensors");
    }

    public Path path() {
        throw new IllegalStateException();
    }

    public List<String> names() {
        throw new IllegalStateException();
    }

    public boolean contains(String name) {
        return false;
    }

    public StoredTensor tensor(String name) {
        throw new IllegalStateException();
    }

    public void close() {
    }
}
