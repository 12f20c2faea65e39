package dev.finetune4j.checkpoint.composer;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.torch.TorchFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loads only the model weights of a Composer checkpoint, as {@code load_weights_only=True} does
 * (docs/formats.md §3.7): from a monolithic {@code .pt} file, from a remote-style {@code *.symlink} text file
 * naming one, or from a sharded folder of {@code __N_0.distcp} files plus {@code .metadata}.
 */
final class WeightsOnlyLoader {
    private WeightsOnlyLoader() {
    }

    static LinkedHashMap<String, StoredTensor> load(Path path) {
        Path p = path;
        for (int hops = 0; p.getFileName() != null && p.getFileName().toString().endsWith(".symlink"); hops++) {
            if (hops > 8) {
                throw CheckpointFormatException.of(path, "more than 8 chained .symlink files");
            }
            p = ComposerCheckpoints.resolveSymlinkFile(p);
        }
        if (Files.isDirectory(p)) {
            return DistributedCheckpoint.open(p).modelWeights();
        }
        if (!Files.isRegularFile(p)) {
            throw CheckpointFormatException.of(path, "no such checkpoint file or folder"
                    + (p.equals(path) ? "" : " (resolved to " + p + ")"));
        }
        Object root = TorchFile.read(p);
        Map<String, Object> r = ComposerCheckpoint.map(root, "the checkpoint root", p.toString());
        Map<String, Object> state = ComposerCheckpoint.map(r.get("state"), "'state'", p.toString());
        return ComposerCheckpoint.modelWeights(state, p.toString());
    }

    /** The most a {@code *.symlink} file may hold: one path (PATH_MAX on Linux); a bigger file is not one. */
    static final int MAX_SYMLINK_BYTES = 4096;

    static String readText(Path p) {
        try {
            long size = Files.size(p);
            if (size > MAX_SYMLINK_BYTES) {
                throw CheckpointFormatException.of(p, "is " + size + " bytes; a .symlink file holds one path of at "
                        + "most " + MAX_SYMLINK_BYTES + " bytes");
            }
            return Files.readString(p).trim();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw CheckpointFormatException.of(p, "not UTF-8 text (it holds bytes that are not valid UTF-8)", e);
        } catch (IOException e) {
            throw CheckpointFormatException.of(p, "cannot read: " + e.getMessage(), e);
        }
    }
}
