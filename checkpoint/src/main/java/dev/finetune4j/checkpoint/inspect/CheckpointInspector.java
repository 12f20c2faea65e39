package dev.finetune4j.checkpoint.inspect;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorConversions;
import dev.finetune4j.checkpoint.composer.DistributedCheckpoint;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.checkpoint.peft.PeftAdapter;
import dev.finetune4j.checkpoint.safetensors.SafetensorsCheckpoint;
import dev.finetune4j.checkpoint.torch.PyTuple;
import dev.finetune4j.checkpoint.torch.TorchFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Walks a checkpoint and reports every tensor. Accepts a {@code .safetensors} file, a
 * {@code *.safetensors.index.json}, a torch.save file (any other file), a PEFT adapter folder, an HF model folder
 * or a sharded {@code .distcp} folder.
 */
public final class CheckpointInspector {
    private CheckpointInspector() {
    }

    /** Calls {@code out} once per tensor, in file order. */
    public static void inspect(Path path, Consumer<TensorSummary> out) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        if (Files.isDirectory(path)) {
            inspectFolder(path, out);
        } else if (!Files.exists(path)) {
            throw CheckpointFormatException.of(path, "no such file or folder");
        } else if (name.endsWith(".safetensors") || name.endsWith(".safetensors.index.json")) {
            try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(path)) {
                for (String n : c.names()) {
                    out.accept(summary(n, c.tensor(n)));
                }
            }
        } else {
            walk("", TorchFile.read(path), out);
        }
    }

    /** All tensors as a list. */
    public static List<TensorSummary> list(Path path) {
        List<TensorSummary> l = new ArrayList<>();
        inspect(path, l::add);
        return l;
    }

    private static void inspectFolder(Path dir, Consumer<TensorSummary> out) {
        if (Files.isRegularFile(dir.resolve(PeftAdapter.CONFIG_FILE))) {
            PeftAdapter.read(dir).tensors().forEach((k, v) -> out.accept(summary(k, v)));
        } else if (Files.isRegularFile(dir.resolve("config.json"))) {
            try (HfModelFolder f = HfModelFolder.open(dir)) {
                for (String n : f.names()) {
                    out.accept(summary(n, f.tensor(n)));
                }
            }
        } else if (Files.isRegularFile(dir.resolve(".metadata"))) {
            DistributedCheckpoint.open(dir).modelWeights().forEach((k, v) -> out.accept(summary(k, v)));
        } else {
            throw CheckpointFormatException.of(dir, "folder is neither a PEFT adapter (adapter_config.json), an HF "
                    + "model (config.json) nor a sharded checkpoint (.metadata)");
        }
    }

    private static void walk(String path, Object o, Consumer<TensorSummary> out) {
        if (o instanceof StoredTensor t) {
            out.accept(summary(path, t));
        } else if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(join(path, String.valueOf(k)), v, out));
        } else if (o instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                walk(join(path, Integer.toString(i)), l.get(i), out);
            }
        } else if (o instanceof PyTuple t) {
            for (int i = 0; i < t.size(); i++) {
                walk(join(path, Integer.toString(i)), t.get(i), out);
            }
        }
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static TensorSummary summary(String path, StoredTensor t) {
        return new TensorSummary(path, t.dtype().torchName(), t.shape(), TensorConversions.sha256(t));
    }
}
