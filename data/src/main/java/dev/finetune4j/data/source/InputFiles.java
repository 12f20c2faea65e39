package dev.finetune4j.data.source;

import dev.finetune4j.data.DataFormatException;
import dev.finetune4j.data.Problem;
import dev.finetune4j.data.TaskType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/** Resolves a data path into the files to read, in name order; files of other kinds in a folder become notes. */
public final class InputFiles {

    private InputFiles() {
    }

    /** Extensions each task type reads. */
    public static Set<String> extensions(TaskType taskType) {
        return taskType == TaskType.CONTINUED_PRETRAIN ? Set.of("txt", "jsonl", "json", "parquet", "csv")
                : Set.of("jsonl", "json", "parquet", "csv");
    }

    /**
     * The files under {@code path}: the file itself, or the readable files directly inside a folder.
     *
     * @param notes receives one note per ignored folder entry
     * @throws DataFormatException when the path is missing, empty, of the wrong kind, or holds no readable file
     */
    public static List<Path> resolve(Path path, TaskType taskType, List<Problem> notes) {
        Set<String> allowed = extensions(taskType);
        if (!Files.exists(path)) {
            throw new DataFormatException(path, "does not exist");
        }
        if (Files.isRegularFile(path)) {
            String ext = extension(path);
            if (!allowed.contains(ext)) {
                throw new DataFormatException(path, "a " + taskType + " data file must end in " + describe(allowed) + ", found '." + ext + "'");
            }
            checkNotEmpty(path);
            return List.of(path);
        }
        if (!Files.isDirectory(path)) {
            throw new DataFormatException(path, "is neither a file nor a folder");
        }
        List<Path> files = new ArrayList<>();
        try (Stream<Path> entries = Files.list(path)) {
            for (Path p : entries.sorted().toList()) {
                if (Files.isRegularFile(p) && allowed.contains(extension(p))) {
                    files.add(p);
                } else {
                    notes.add(new Problem(p, 0, "ignored: " + (Files.isDirectory(p) ? "sub-folders are not read"
                            : "not a " + describe(allowed) + " file")));
                }
            }
        } catch (IOException e) {
            throw new DataFormatException(path, "cannot list folder: " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new DataFormatException(path, "folder holds no " + describe(allowed) + " file");
        }
        if (taskType != TaskType.CONTINUED_PRETRAIN) {
            files.forEach(InputFiles::checkNotEmpty);
        }
        return files;
    }

    private static void checkNotEmpty(Path file) {
        try {
            if (Files.size(file) == 0) {
                throw new DataFormatException(file, "file is empty");
            }
        } catch (IOException e) {
            throw new DataFormatException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    static String extension(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static String describe(Set<String> exts) {
        return exts.stream().sorted().map(e -> "." + e).reduce((a, b) -> a + " / " + b).orElse("");
    }
}
