package dev.finetune4j.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.finetune4j.checkpoint.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A folder of registered models: {@code <root>/<name>/<version>/} with the model files and a
 * {@code metadata.json}. A version appears atomically: files are copied into a hidden temp folder beside it,
 * fsynced, and the folder is renamed to the next free version number (retrying if another process took it).
 */
public final class Registry {
    /** The metadata file inside each version folder. */
    public static final String METADATA_FILE = "metadata.json";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,8}");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path root;

    /** A registry rooted at {@code root} (created on first registration). */
    public Registry(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The registry folder. */
    public Path root() {
        return root;
    }

    /**
     * Copies {@code modelFolder} into the next version of {@code name} with a {@code metadata.json}.
     *
     * @throws RegistryException for an invalid name, a missing or empty source folder, or an I/O failure
     */
    public RegisteredModel register(Path modelFolder, String name, ModelMetadata metadata) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new RegistryException("Invalid registered model name '" + name + "': use letters, digits, '.',"
                    + " '_' and '-', starting with a letter or digit");
        }
        if (!Files.isDirectory(modelFolder)) {
            throw new RegistryException("Cannot register " + modelFolder + ": not a folder");
        }
        Path modelDir = root.resolve(name);
        Path tmp = modelDir.resolve(".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(tmp);
            int files = copyTree(modelFolder, tmp);
            if (files == 0) {
                throw new RegistryException("Cannot register " + modelFolder + ": the folder has no files");
            }
            for (int attempt = 0; attempt < 100; attempt++) {
                int version = nextVersion(name);
                Path target = modelDir.resolve(Integer.toString(version));
                writeMetadata(tmp, name, version, modelFolder, metadata);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                    AtomicFiles.fsyncDirectory(modelDir);
                    return new RegisteredModel(name, version, target);
                } catch (IOException e) {
                    // rename(2) onto a version another registration just created fails (ENOTEMPTY/EEXIST, not
                    // always mapped to FileAlreadyExistsException): take the next number; anything else is real
                    if (!Files.exists(target)) {
                        throw e;
                    }
                }
            }
            throw new RegistryException("Cannot register " + name + " in " + root + ": no free version number");
        } catch (IOException | UncheckedIOException e) {
            throw new RegistryException("Cannot register " + modelFolder + " as " + name + " in " + root + ": "
                    + e.getMessage(), e);
        } finally {
            deleteTree(tmp);
        }
    }

    /** The registered versions of {@code name}, oldest first (hidden temp folders are ignored). */
    public List<RegisteredModel> versions(String name) {
        Path modelDir = root.resolve(name);
        List<RegisteredModel> out = new ArrayList<>();
        if (!Files.isDirectory(modelDir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(modelDir)) {
            s.filter(Files::isDirectory)
                    .filter(p -> VERSION.matcher(p.getFileName().toString()).matches())
                    .forEach(p -> out.add(new RegisteredModel(name, Integer.parseInt(p.getFileName().toString()), p)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + modelDir + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparingInt(RegisteredModel::version));
        return out;
    }

    /** The newest version of {@code name}, if any. */
    public Optional<RegisteredModel> latest(String name) {
        List<RegisteredModel> v = versions(name);
        return v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
    }

    private int nextVersion(String name) {
        List<RegisteredModel> v = versions(name);
        return v.isEmpty() ? 1 : v.get(v.size() - 1).version() + 1;
    }

    private static void writeMetadata(Path dir, String name, int version, Path source, ModelMetadata m)
            throws IOException {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("name", name);
        o.put("version", version);
        o.put("registered_at", Instant.now().toString());
        o.put("source", source.toAbsolutePath().normalize().toString());
        o.put("base_model", m.baseModel());
        o.put("train_data", m.trainData());
        o.put("config", JsonLines.plain(m.config()));
        o.put("metrics", JsonLines.plain(m.metrics()));
        byte[] json;
        try {
            json = JSON.writeValueAsString(o).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IOException("cannot write metadata as JSON: " + e.getMessage(), e);
        }
        AtomicFiles.write(dir.resolve(METADATA_FILE), json);
    }

    /** Copies regular files (following file symlinks), creating folders; returns the number of files. */
    private static int copyTree(Path from, Path to) throws IOException {
        int[] count = {0};
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path rel = from.relativize(p);
                if (rel.toString().isEmpty()) {
                    continue;
                }
                Path dest = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else if (Files.isRegularFile(p)) {
                    Files.createDirectories(dest.getParent());
                    Files.copy(p, dest, StandardCopyOption.COPY_ATTRIBUTES);
                    AtomicFiles.fsyncFile(dest);
                    count[0]++;
                }
            }
        }
        return count[0];
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a leftover hidden temp folder is ignored by versions()
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
