package dev.finetune4j.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.tokenizer.template.JinjaChatTemplate;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.stream.IntStream;

/**
 * A Hugging Face tokenizer folder: {@code tokenizer.json} run by DJL's native HF tokenizers (no truncation, no
 * padding), plus {@code tokenizer_config.json}, {@code special_tokens_map.json} and {@code chat_template.jinja}.
 * Thread-safe: encode and decode may be called from many threads at once. {@link #close()} frees the native
 * tokenizer; call it when done (not while other threads still use the tokenizer).
 */
public final class HfTokenizer implements TextTokenizer, AutoCloseable {
    /** Tokenizer classes whose fast tokenizer rebuilds its post-processor from add_bos_token/add_eos_token. */
    private static final Set<String> CONFIG_BOS_EOS_CLASSES = Set.of("LlamaTokenizer", "LlamaTokenizerFast",
            "CodeLlamaTokenizer", "CodeLlamaTokenizerFast", "GemmaTokenizer", "GemmaTokenizerFast");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path folder;
    private final HuggingFaceTokenizer djl;
    private final long handle;
    private final Vocabulary vocabulary;
    private final TokenizerFolderConfig config;
    private final boolean cleanUpDecoded;
    private final Map<String, JinjaChatTemplate> compiledTemplates = new ConcurrentHashMap<>();
    private final Map<Integer, ForkJoinPool> pools = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private HfTokenizer(Path folder, HuggingFaceTokenizer djl, Vocabulary vocabulary, TokenizerFolderConfig config,
            boolean cleanUpDecoded) {
        this.folder = folder;
        this.djl = djl;
        this.handle = djl.getHandle();
        this.vocabulary = vocabulary;
        this.config = config;
        this.cleanUpDecoded = cleanUpDecoded;
    }

    /** Loads a tokenizer folder with transformers' behaviour ({@link TokenizerOptions#DEFAULTS}). */
    public static HfTokenizer load(Path folder) {
        return load(folder, TokenizerOptions.DEFAULTS);
    }

    /**
     * Loads a tokenizer folder.
     *
     * @throws TokenizerLoadException when the folder has no readable {@code tokenizer.json} or a config file is
     *                                malformed; the message names the file and key
     */
    public static HfTokenizer load(Path folder, TokenizerOptions options) {
        Path file = folder.resolve("tokenizer.json");
        if (!Files.isDirectory(folder)) {
            throw new TokenizerLoadException("tokenizer folder " + folder + " does not exist or is not a folder");
        }
        if (!Files.isRegularFile(file)) {
            throw new TokenizerLoadException("no tokenizer.json in " + folder + ": only Hugging Face fast tokenizer "
                    + "folders are supported (save the tokenizer once with transformers to create tokenizer.json)");
        }
        TokenizerFolderConfig config = TokenizerFolderConfig.read(folder);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TokenizerLoadException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Vocabulary vocabulary = Vocabulary.read(bytes, file);
        List<AddedToken> missing = missingAddedTokens(config, vocabulary, folder);
        boolean rebuildPostProcessor = options.followConfigBosEos() && config.tokenizerClass() != null
                && CONFIG_BOS_EOS_CLASSES.contains(config.tokenizerClass())
                && (config.addBosToken() != null || config.addEosToken() != null);
        if (!missing.isEmpty() || rebuildPostProcessor) {
            try {
                ObjectNode tree = (ObjectNode) JSON.readTree(bytes);
                if (!missing.isEmpty()) {
                    addTokens(tree, missing);
                    vocabulary = Vocabulary.read(JSON.writeValueAsBytes(tree), file);
                }
                if (rebuildPostProcessor) {
                    PostProcessors.llamaStyle(tree, config, vocabulary, file);
                }
                bytes = JSON.writeValueAsBytes(tree);
            } catch (IOException e) {
                throw new TokenizerLoadException(file + ": cannot rewrite it: " + e.getMessage(), e);
            }
        }
        HuggingFaceTokenizer djl;
        try {
            // explicit: no truncation, no padding, whatever tokenizer.json or the model max length say
            djl = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes),
                    Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false"));
        } catch (IOException | RuntimeException e) {
            throw new TokenizerLoadException(file + ": DJL HF tokenizers cannot load it: " + e.getMessage(), e);
        }
        boolean cleanUp = options.cleanUpDecodedSpaces() && Boolean.TRUE.equals(config.cleanUpTokenizationSpaces());
        return new HfTokenizer(folder, djl, vocabulary, config, cleanUp);
    }

    /**
     * Entries of added_tokens_decoder that tokenizer.json lacks (transformers adds them on load); an id already used
     * by another token is an error.
     */
    private static List<AddedToken> missingAddedTokens(TokenizerFolderConfig config, Vocabulary vocabulary,
            Path folder) {
        List<AddedToken> missing = new ArrayList<>();
        for (AddedToken t : config.addedTokens().values()) {
            OptionalInt existing = vocabulary.id(t.content());
            if (existing.isPresent()) {
                continue;
            }
            String holder = vocabulary.tokenOrNull(t.id());
            if (holder != null) {
                throw new TokenizerLoadException(folder.resolve(TokenizerFolderConfig.CONFIG_FILE)
                        + ": added_tokens_decoder gives id " + t.id() + " to '" + t.content()
                        + "' but tokenizer.json already uses it for '" + holder + "'");
            }
            missing.add(t);
        }
        return missing;
    }

    private static void addTokens(ObjectNode tree, List<AddedToken> tokens) {
        JsonNode existing = tree.get("added_tokens");
        ArrayNode list = existing instanceof ArrayNode a ? a : tree.putArray("added_tokens");
        for (AddedToken t : tokens) {
            list.addObject().put("id", t.id()).put("content", t.content()).put("single_word", t.singleWord())
                    .put("lstrip", t.lstrip()).put("rstrip", t.rstrip()).put("normalized", t.normalized())
                    .put("special", t.special());
        }
    }

    /** The folder this tokenizer was loaded from. */
    public Path folder() {
        return folder;
    }

    /** What tokenizer_config.json and special_tokens_map.json say. */
    public TokenizerFolderConfig config() {
        return config;
    }

    /** The special token strings (the chat template context gets them as bos_token, eos_token, …). */
    public SpecialTokens specialTokens() {
        return config.specialTokens();
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        if (text == null) {
            throw new IllegalArgumentException("text to encode is null");
        }
        ensureOpen();
        if (text.length() > LongTexts.CHUNK_CHARS && !addSpecialTokens && longTexts().chunkable()) {
            return longTexts().encode(text, t -> encodeWhole(t, false));
        }
        return encodeWhole(text, addSpecialTokens);
    }

    private volatile LongTexts longTexts;

    /** Whether and how long texts are tokenized in pieces (decided once per tokenizer by a probe). */
    private LongTexts longTexts() {
        LongTexts l = longTexts;
        if (l == null) {
            l = LongTexts.probe(t -> encodeWhole(t, false));
            longTexts = l;
        }
        return l;
    }

    private int[] encodeWhole(String text, boolean addSpecialTokens) {
        try {
            long encoding = TokenizersLibrary.LIB.encode(handle, text, addSpecialTokens);
            try {
                long[] ids = TokenizersLibrary.LIB.getTokenIds(encoding);
                int[] out = new int[ids.length];
                for (int i = 0; i < ids.length; i++) {
                    out[i] = (int) ids[i];
                }
                return out;
            } finally {
                TokenizersLibrary.LIB.deleteEncoding(encoding);
            }
        } finally {
            // the native tokenizer is freed by DJL's finalizer: keep it reachable while its handle is in use
            Reference.reachabilityFence(djl);
        }
    }

    /** The token strings of {@code text}, without special tokens (transformers' {@code tokenize}). */
    public List<String> tokenize(String text) {
        if (text == null) {
            throw new IllegalArgumentException("text to tokenize is null");
        }
        ensureOpen();
        try {
            long encoding = TokenizersLibrary.LIB.encode(handle, text, false);
            try {
                return List.of(TokenizersLibrary.LIB.getTokens(encoding));
            } finally {
                TokenizersLibrary.LIB.deleteEncoding(encoding);
            }
        } finally {
            Reference.reachabilityFence(djl);
        }
    }

    /**
     * Encodes {@code texts} on {@code threads} threads (1 = the calling thread); result {@code i} belongs to
     * {@code texts.get(i)}.
     */
    @Override
    public List<int[]> encodeBatch(List<String> texts, boolean addSpecialTokens, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i) == null) {
                throw new IllegalArgumentException("texts[" + i + "] is null");
            }
        }
        int[][] out = new int[texts.size()][];
        if (threads == 1 || texts.size() < 2) {
            for (int i = 0; i < out.length; i++) {
                out[i] = encode(texts.get(i), addSpecialTokens);
            }
            return Arrays.asList(out);
        }
        ensureOpen();
        ForkJoinPool pool = pools.computeIfAbsent(threads, HfTokenizer::newPool);
        try {
            pool.submit(() -> IntStream.range(0, out.length).parallel()
                    .forEach(i -> out[i] = encode(texts.get(i), addSpecialTokens))).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while encoding a batch", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("batch encoding failed: " + cause, cause);
        }
        return Arrays.asList(out);
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabulary.size()) {
                throw new IllegalArgumentException("ids[" + i + "] = " + ids[i] + " is not a token id (0.."
                        + (vocabulary.size() - 1) + ")");
            }
            longs[i] = ids[i];
        }
        ensureOpen();
        String text;
        try {
            text = TokenizersLibrary.LIB.decode(handle, longs, skipSpecialTokens);
        } finally {
            Reference.reachabilityFence(djl);
        }
        return cleanUpDecoded ? cleanUpTokenizationSpaces(text) : text;
    }

    /** transformers' {@code clean_up_tokenization}: drops the space before punctuation and English contractions. */
    static String cleanUpTokenizationSpaces(String text) {
        return text.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    @Override
    public OptionalInt tokenToId(String token) {
        return vocabulary.id(token);
    }

    @Override
    public String idToToken(int id) {
        return vocabulary.token(id);
    }

    @Override
    public int vocabSize() {
        return vocabulary.size();
    }

    @Override
    public OptionalInt bosTokenId() {
        return idOf(config.specialTokens().bos());
    }

    @Override
    public OptionalInt eosTokenId() {
        return idOf(config.specialTokens().eos());
    }

    @Override
    public OptionalInt padTokenId() {
        return idOf(config.specialTokens().pad());
    }

    /** Whether {@code id} is a special token (BOS, EOS, chat markers… — added tokens with "special": true). */
    public boolean isSpecialToken(int id) {
        return vocabulary.isSpecial(id);
    }

    /** The ids of all special tokens, ascending (e.g. candidate stop tokens, or ids to mask). */
    public int[] specialTokenIds() {
        return vocabulary.specialIds();
    }

    /** The id of the unknown token, if the folder names one. */
    public OptionalInt unkTokenId() {
        return idOf(config.specialTokens().unk());
    }

    private OptionalInt idOf(String token) {
        return token == null ? OptionalInt.empty() : vocabulary.id(token);
    }

    @Override
    public Optional<String> bosToken() {
        return Optional.ofNullable(config.specialTokens().bos());
    }

    @Override
    public Optional<String> eosToken() {
        return Optional.ofNullable(config.specialTokens().eos());
    }

    /**
     * The folder's default chat template ({@code chat_template.jinja}, or {@code chat_template} of
     * tokenizer_config.json — the one named "default" when it is a list), compiled once.
     *
     * @throws ChatTemplateException when the template does not parse, or the folder has several named templates and
     *                               none is called "default"
     */
    @Override
    public Optional<ChatTemplate> chatTemplate() {
        Map<String, String> templates = config.chatTemplates();
        if (templates.isEmpty()) {
            return Optional.empty();
        }
        if (!templates.containsKey(TokenizerFolderConfig.DEFAULT_TEMPLATE)) {
            throw new ChatTemplateException(folder.resolve(TokenizerFolderConfig.CONFIG_FILE)
                    + " has several chat templates " + templates.keySet() + " and none is named 'default'; "
                    + "pick one with chatTemplate(name)");
        }
        return Optional.of(chatTemplate(TokenizerFolderConfig.DEFAULT_TEMPLATE));
    }

    /** A named chat template of the folder (e.g. "tool_use"). */
    public JinjaChatTemplate chatTemplate(String name) {
        String source = config.chatTemplates().get(name);
        if (source == null) {
            throw new ChatTemplateException("tokenizer folder " + folder + " has no chat template named '" + name
                    + "'; it has " + config.chatTemplates().keySet());
        }
        return compiledTemplates.computeIfAbsent(name, n -> JinjaChatTemplate.compile(source,
                folder.getFileName() + ":chat_template" + (n.equals(TokenizerFolderConfig.DEFAULT_TEMPLATE) ? ""
                        : "[" + n + "]"), config.specialTokens().templateVariables()));
    }

    /** Names of the folder's chat templates (empty when it has none). */
    public List<String> chatTemplateNames() {
        return new ArrayList<>(config.chatTemplates().keySet());
    }

    private static ForkJoinPool newPool(int threads) {
        return new ForkJoinPool(threads, pool -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setDaemon(true);
            t.setName("hf-tokenizer-" + t.getPoolIndex());
            return t;
        }, null, false);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("tokenizer " + folder + " is closed");
        }
    }

    /** Frees the native tokenizer and the batch-encoding threads; later calls fail with IllegalStateException. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            pools.values().forEach(ForkJoinPool::shutdown);
            djl.close();
        }
    }

    @Override
    public String toString() {
        return "HfTokenizer[" + folder + ", vocab " + vocabulary.size() + "]";
    }
}
