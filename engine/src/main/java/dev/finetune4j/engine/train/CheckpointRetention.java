package dev.finetune4j.engine.train;

import dev.finetune4j.checkpoint.composer.ComposerCheckpoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Deletes the checkpoints a run no longer keeps after each save: the oldest beyond
 * {@code save_num_checkpoints_to_keep}, or, with {@code save_top_k}, all but the k best by the monitored metric
 * and the newest (docs/training.md "Checkpoints"). Only files this run saved are ever deleted: the scored list is
 * recorded in each checkpoint ({@link #scored()}) so a resumed run continues it.
 */
final class CheckpointRetention {
    /** A checkpoint file name (in the checkpoints folder) and its monitored value (NaN: not measured). */
    record Scored(String file, double value) {
    }

    private final int keepNewest;
    private final CheckpointPolicy.TopK topK;
    private final List<Scored> saved = new ArrayList<>();

    CheckpointRetention(int keepNewest, CheckpointPolicy.TopK topK) {
        this.keepNewest = keepNewest;
        this.topK = topK;
    }

    /** The value to score a checkpoint with now, from the latest losses. */
    double score(double trainLoss, Double valLoss) {
        if (topK == null) {
            return Double.NaN;
        }
        return topK.monitor().equals("loss") ? trainLoss : valLoss == null ? Double.NaN : valLoss;
    }

    /** Records {@code file} (just saved, the newest) and deletes what the policy no longer keeps. */
    List<Path> afterSave(Path file, double value) {
        Path folder = file.getParent();
        String name = file.getFileName().toString();
        saved.removeIf(s -> s.file().equals(name)); // the same batch saved again (e.g. after a stop)
        saved.add(new Scored(name, value));
        if (topK == null) {
            if (keepNewest >= 0) {
                ComposerCheckpoints.prune(folder, keepNewest);
            }
            return List.of();
        }
        List<Scored> ranked = new ArrayList<>(saved);
        // best first; ties keep the newer checkpoint (later in save order)
        ranked.sort((a, b) -> topK.better(a.value(), b.value()) ? -1 : topK.better(b.value(), a.value()) ? 1
                : Integer.compare(saved.indexOf(b), saved.indexOf(a)));
        List<Scored> keep = new ArrayList<>(ranked.subList(0, Math.min(topK.k(), ranked.size())));
        List<Path> deleted = new ArrayList<>();
        for (Scored s : List.copyOf(saved)) {
            if (keep.contains(s) || s.file().equals(name)) {
                continue;
            }
            Path p = folder.resolve(s.file());
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete checkpoint " + p + " (save_top_k): " + e.getMessage(),
                        e);
            }
            saved.remove(s);
            deleted.add(p);
        }
        return deleted;
    }

    /** The checkpoints this run saved and still keeps, oldest first, with their scores. */
    List<Scored> scored() {
        return List.copyOf(saved);
    }

    /** Continues the record of a resumed run; entries whose file is gone are dropped. */
    void restore(Path folder, List<Scored> previous) {
        saved.clear();
        for (Scored s : previous) {
            if (Files.isRegularFile(folder.resolve(s.file()))) {
                saved.add(s);
            }
        }
    }
}
