package dev.finetune4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.data.source.InputFiles;
import dev.finetune4j.tokenizer.HfTokenizer;
import dev.finetune4j.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The tokenized cache: one folder per key under {@code cache_dir}, holding a {@link MappedCorpus}, the examples'
 * original lengths and the validation report. The key is a SHA-256 of the input files' contents, the tokenizer's
 * fingerprint and every option that changes encoding, so any change re-tokenizes. Entries are written to a
 * temporary folder beside the target, fsynced and renamed into place, so a crash never leaves a half-written entry.
 */
final class TokenCache {

    static final String FORMAT = "finetune4j-token-cache-v1";
    private static final String TMP_PREFIX = ".tmp-";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TokenCache.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path root;

    TokenCache(Path root) {
        this.root = root;
    }

    /** Builds a corpus into a folder. */
    interface Builder {
        EncodedSource build(Path dir) throws IOException;
    }

    /** The key for encoding {@code dataPath} with these options and tokenizer. */
    String key(Path dataPath, DataOptions o, TextTokenizer tokenizer, boolean allowSystem, String dateString) throws IOException {
        MessageDigest md = sha256();
        update(md, FORMAT);
        update(md, o.taskType().name());
        update(md, "ctx=" + o.contextLength());
        update(md, "validate=" + o.validateInputs());
        update(md, "prompts=" + o.targetPrompts() + ";responses=" + o.targetResponses());
        if (o.taskType() == TaskType.CHAT_COMPLETION) {
            update(md, "system=" + allowSystem + ";date=" + dateString);
        }
        update(md, "tokenizer=" + (o.tokenizerFingerprint() != null ? o.tokenizerFingerprint() : fingerprint(tokenizer)));
        for (Path f : InputFiles.resolve(dataPath, o.taskType(), new ArrayList<>())) {
            update(md, "file=" + f.getFileName());
            byte[] buf = new byte[1 << 16];
            try (InputStream in = Files.newInputStream(f)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
        }
        return HexFormat.of().formatHex(md.digest()).substring(0, 32);
    }

    /**
     * A fingerprint of a tokenizer: the hash of its folder's files for an {@link HfTokenizer}; otherwise vocabulary
     * size, special ids, the encodings of probe texts and the rendering of a probe conversation.
     */
    static String fingerprint(TextTokenizer t) throws IOException {
        if (t instanceof HfTokenizer hf) { // the folder's files define the tokenizer and its template
            MessageDigest md = sha256();
            for (String name : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja")) {
                Path f = hf.folder().resolve(name);
                if (Files.isRegularFile(f)) {
                    update(md, name);
                    md.update(Files.readAllBytes(f));
                }
            }
            return "hf:" + HexFormat.of().formatHex(md.digest());
        }
        StringBuilder sb = new StringBuilder();
        sb.append(t.vocabSize()).append('|').append(t.bosTokenId()).append('|').append(t.eosTokenId()).append('|')
                .append(t.padTokenId());
        for (String probe : List.of("Hello, world! 123 ünïcödé 日本語 <s></s><|im_start|>", "  leading\ttabs\nnewline")) {
            for (boolean special : new boolean[] {true, false}) {
                sb.append('|').append(java.util.Arrays.toString(t.encode(probe, special)));
            }
        }
        t.chatTemplate().ifPresent(c -> {
            try {
                sb.append('|').append(c.render(List.of(Map.of("role", "user", "content", "q"),
                        Map.of("role", "assistant", "content", "a")), true, Map.of("date_string", "01 Jan 2000")));
            } catch (RuntimeException e) {
                sb.append("|template raises");
            }
        });
        MessageDigest md = sha256();
        update(md, sb.toString());
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * The cached source for a key, if complete; an entry that does not read (truncated or corrupt files) is moved
     * aside and deleted with a note on stderr, so the caller rebuilds it.
     */
    Optional<EncodedSource> loadOrDiscard(String key) throws IOException {
        try {
            return load(key);
        } catch (IOException | RuntimeException e) {
            Path dir = root.resolve(key);
            // rename first: a concurrent run sees either the whole bad entry or none, never a half-deleted one
            Path aside = root.resolve(TMP_PREFIX + key + "-" + ProcessHandle.current().pid() + "-discarded");
            LOG.warn("note: token cache entry {} is corrupt ({}); discarding it and tokenizing again", dir,
                    e.getMessage());
            try {
                Files.move(dir, aside, StandardCopyOption.ATOMIC_MOVE);
                deleteTree(aside);
            } catch (java.nio.file.NoSuchFileException gone) {
                // another run discarded it first
            }
            return Optional.empty();
        }
    }

    /**
     * Removes temporary entry folders ({@code .tmp-<key>-<pid>-…}) whose writing process is no longer alive on this
     * host: what a killed run left. Entries of live processes (another run sharing experiment_path) stay.
     */
    void removeStaleTemps() {
        if (!Files.isDirectory(root)) {
            return;
        }
        java.util.regex.Pattern own = java.util.regex.Pattern.compile(
                java.util.regex.Pattern.quote(TMP_PREFIX) + "[0-9a-f]{32}-(\\d+)-.*");
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.toList()) {
                java.util.regex.Matcher m = own.matcher(p.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).map(h -> !h.isAlive()).orElse(true)) {
                    deleteTree(p);
                    LOG.warn("note: removed {}, left by an interrupted tokenization", p);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("note: could not clean {}: {}", root, e.getMessage());
        }
    }

    /** The cached source for a key, if complete. */
    Optional<EncodedSource> load(String key) throws IOException {
        Path dir = root.resolve(key);
        Path meta = dir.resolve("meta.json");
        if (!Files.isRegularFile(meta)) {
            if (Files.exists(dir)) { // entries are published whole, with meta.json: this one was damaged since
                throw new IOException("its meta.json is missing");
            }
            return Optional.empty();
        }
        JsonNode m = JSON.readTree(meta.toFile());
        if (!FORMAT.equals(m.path("format").asText())) {
            return Optional.empty();
        }
        List<Path> files = new ArrayList<>();
        m.path("files").forEach(f -> files.add(Path.of(f.asText())));
        TokenCorpus corpus = MappedCorpus.open(dir);
        if (Files.size(dir.resolve("lengths.bin")) != 4L * corpus.size()) {
            throw new IOException("lengths.bin does not hold one length per example");
        }
        ByteBuffer lengthBytes = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("lengths.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        int[] lengths = new int[corpus.size()];
        lengthBytes.asIntBuffer().get(lengths);
        return Optional.of(new EncodedSource(files, corpus, lengths, reportFromJson(m.path("report"))));
    }

    /** Builds the entry in a temporary folder and renames it into place. */
    EncodedSource store(String key, Builder builder) throws IOException {
        Files.createDirectories(root);
        Path tmp = Files.createTempDirectory(root, TMP_PREFIX + key + "-" + ProcessHandle.current().pid() + "-");
        try {
            EncodedSource source = builder.build(tmp);
            ByteBuffer lengths = ByteBuffer.allocate(4 * source.originalLengths().length).order(ByteOrder.LITTLE_ENDIAN);
            lengths.asIntBuffer().put(source.originalLengths());
            writeSynced(tmp.resolve("lengths.bin"), lengths.array());
            ObjectNode meta = JSON.createObjectNode();
            meta.put("format", FORMAT);
            ArrayNode files = meta.putArray("files");
            source.files().forEach(f -> files.add(f.toString()));
            meta.set("report", reportToJson(source.report()));
            writeSynced(tmp.resolve("meta.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
            try (FileChannel d = FileChannel.open(tmp, StandardOpenOption.READ)) {
                d.force(true);
            }
            try {
                Files.move(tmp, root.resolve(key), StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cache_dir " + root + " does not support atomic renames", e);
            } catch (java.nio.file.FileSystemException e) {
                // rename(2) onto a non-empty folder fails (ENOTEMPTY surfaces as a plain FileSystemException):
                // another run published the same key first, with the same content; ours is dropped
                if (!Files.isDirectory(root.resolve(key))) {
                    throw e;
                }
                deleteTree(tmp); // the mapped buffers of `source` stay valid after the unlink
            }
            return source;
        } catch (IOException | RuntimeException e) {
            if (Files.exists(tmp)) {
                deleteTree(tmp);
            }
            throw e;
        }
    }

    private static void writeSynced(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static ObjectNode reportToJson(ValidationReport r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("samples", r.samples());
        n.put("invalidSamples", r.invalidSamples());
        n.put("problemCount", r.problemCount());
        n.set("problems", problemsToJson(r.problems()));
        n.put("droppedCount", r.droppedCount());
        n.set("dropped", problemsToJson(r.dropped()));
        n.set("notes", problemsToJson(r.notes()));
        return n;
    }

    private static ArrayNode problemsToJson(List<Problem> ps) {
        ArrayNode a = JSON.createArrayNode();
        for (Problem p : ps) {
            a.addObject().put("file", p.file() == null ? "" : p.file().toString()).put("line", p.line()).put("reason", p.reason());
        }
        return a;
    }

    private static ValidationReport reportFromJson(JsonNode n) {
        return new ValidationReport(n.path("samples").asLong(), n.path("invalidSamples").asLong(),
                n.path("problemCount").asLong(), problemsFromJson(n.path("problems")), n.path("droppedCount").asLong(),
                problemsFromJson(n.path("dropped")), problemsFromJson(n.path("notes")));
    }

    private static List<Problem> problemsFromJson(JsonNode a) {
        List<Problem> out = new ArrayList<>();
        a.forEach(p -> out.add(new Problem(Path.of(p.path("file").asText()), p.path("line").asLong(), p.path("reason").asText())));
        return out;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void update(MessageDigest md, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update(ByteBuffer.allocate(4).putInt(b.length).array());
        md.update(b);
    }
}
