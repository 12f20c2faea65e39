package dev.finetune4j.data;

import dev.finetune4j.data.encode.ChatTurnSlicer;
import dev.finetune4j.data.encode.ExampleEncoder;
import dev.finetune4j.data.source.SampleReader;
import dev.finetune4j.tokenizer.ChatTemplate;
import dev.finetune4j.tokenizer.ChatTemplates;
import dev.finetune4j.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The data path end to end: read and validate the train (and eval) files, encode them (or load them from the token
 * cache), split, sample, pack, and compute statistics.
 */
public final class DatasetPreparer {

    private DatasetPreparer() {
    }

    /**
     * Prepares train and eval splits.
     *
     * @throws DataFormatException     when a data path cannot be read at all
     * @throws DataValidationException when too many samples are invalid or nothing trainable is left
     */
    public static PreparedData prepare(DataOptions options, TextTokenizer tokenizer) {
        return run(options, tokenizer, true, () -> false);
    }

    /**
     * Like {@link #prepare}, polling {@code stop} between records (a run's Ctrl-C / cancel request).
     *
     * @throws PreparationStoppedException soon after {@code stop} turns true; nothing half-written is left
     */
    public static PreparedData prepare(DataOptions options, TextTokenizer tokenizer, BooleanSupplier stop) {
        return run(options, tokenizer, true, stop);
    }

    /**
     * Like {@link #prepare} but for {@code finetune4j validate}: too many invalid samples or an empty split do not
     * throw; they are listed in {@link PreparedData#failures()} (and printed by {@link PreparedData#format()}).
     *
     * @throws DataFormatException when a data path cannot be read at all
     */
    public static PreparedData validate(DataOptions options, TextTokenizer tokenizer) {
        return run(options, tokenizer, false, () -> false);
    }

    private static PreparedData run(DataOptions options, TextTokenizer tokenizer, boolean enforce,
                                    BooleanSupplier stop) {
        Session session = new Session(options, tokenizer, stop);
        List<String> failures = new ArrayList<>();
        EncodedSource train = session.load(options.trainDataPath());
        checkInvalidShare(options, train, enforce, failures);
        EncodedSource evalSource = null;
        if (options.evalDataPath() != null) {
            evalSource = session.load(options.evalDataPath());
            checkInvalidShare(options, evalSource, enforce, failures);
        }
        int[] trainIdx = range(train.corpus().size());
        int[] evalIdx = evalSource == null ? null : range(evalSource.corpus().size());
        if (evalSource == null && options.validationSplitRatio() > 0) {
            int[][] split = split(trainIdx.length, options.validationSplitRatio(), options.trainDataSplitSeed());
            trainIdx = split[0];
            evalIdx = split[1];
        }
        trainIdx = head(trainIdx, options.maxTrainSamples());
        if (evalIdx != null) {
            evalIdx = head(evalIdx, options.maxValSamples());
        }
        if (trainIdx.length == 0) {
            String summary = "no trainable example in " + options.trainDataPath() + ": "
                    + train.report().samples() + " sample(s) read, " + train.report().invalidSamples() + " invalid, "
                    + train.report().droppedCount() + " dropped";
            if (enforce) {
                throw new DataValidationException(summary, train.report());
            }
            failures.add(summary);
        }
        int padId = tokenizer.padTokenId().orElse(tokenizer.eosTokenId().orElse(0));
        PackedDataset trainDs = pack(train.corpus(), trainIdx, options, padId);
        Optional<PackedDataset> evalDs = Optional.empty();
        Optional<TokenStatistics> evalStats = Optional.empty();
        if (evalIdx != null && evalIdx.length > 0) {
            EncodedSource src = evalSource == null ? train : evalSource;
            PackedDataset ds = pack(src.corpus(), evalIdx, options, padId);
            evalDs = Optional.of(ds);
            evalStats = Optional.of(statistics(src, evalIdx, ds));
        }
        return new PreparedData(train.report(), evalSource == null ? ValidationReport.empty() : evalSource.report(),
                statistics(train, trainIdx, trainDs), evalStats, trainDs, evalDs, session.cacheHits, failures);
    }

    /** Reads, validates and encodes one data path (through the cache when {@code cacheDir} is set). */
    public static EncodedSource encode(Path dataPath, DataOptions options, TextTokenizer tokenizer) {
        return new Session(options, tokenizer, () -> false).load(dataPath);
    }

    /**
     * Whether the tokenizer's chat template accepts a system message: it must render one without raising and keep
     * its text (Mistral v0.1-style templates raise). Without a template the ChatML default accepts it.
     */
    public static boolean templateAcceptsSystem(TextTokenizer tokenizer) {
        Optional<ChatTemplate> template = tokenizer.chatTemplate();
        if (template.isEmpty()) {
            return true;
        }
        String marker = "finetune4j system probe";
        try {
            String text = template.get().render(List.of(Map.of("role", "system", "content", marker),
                    Map.of("role", "user", "content", "hi"), Map.of("role", "assistant", "content", "hello")), false, Map.of());
            return text.contains(marker);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The shared state of one preparation: the encoder and the cache. */
    private static final class Session {
        final DataOptions options;
        final TextTokenizer tokenizer;
        final boolean allowSystem;
        final String dateString;
        final ExampleEncoder encoder;
        final BooleanSupplier stop;
        int cacheHits;

        Session(DataOptions options, TextTokenizer tokenizer, BooleanSupplier stop) {
            this.stop = stop;
            this.options = options;
            this.tokenizer = tokenizer;
            boolean chat = options.taskType() == TaskType.CHAT_COMPLETION;
            this.allowSystem = !chat || (options.allowSystemMessages() != null ? options.allowSystemMessages()
                    : templateAcceptsSystem(tokenizer));
            this.dateString = options.chatDateString() != null ? options.chatDateString()
                    : LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("dd MMM yyyy", Locale.ENGLISH));
            // without a template of its own the tokenizer gets llm-foundry's ChatML default (docs/training.md §4.1)
            ChatTurnSlicer slicer = chat ? new ChatTurnSlicer(ChatTemplates.resolve(tokenizer, true),
                    Map.of("date_string", dateString)) : null;
            this.encoder = new ExampleEncoder(tokenizer, slicer, options.targetPrompts(), options.targetResponses());
        }

        EncodedSource load(Path dataPath) {
            try {
                if (options.cacheDir() == null) {
                    // no cache: tokens still go to memory-mapped files (not the heap), unlinked once mapped
                    Path tmp = Files.createTempDirectory("finetune4j-tokens-");
                    try {
                        return encodeInto(dataPath, MappedCorpus.writer(tmp));
                    } finally {
                        TokenCache.deleteTree(tmp);
                    }
                }
                TokenCache cache = new TokenCache(options.cacheDir());
                cache.removeStaleTemps();
                String key = cache.key(dataPath, options, tokenizer, allowSystem, dateString);
                Optional<EncodedSource> hit = cache.loadOrDiscard(key);
                if (hit.isPresent()) {
                    cacheHits++;
                    return hit.get();
                }
                return cache.store(key, dir -> encodeInto(dataPath, MappedCorpus.writer(dir)));
            } catch (IOException e) {
                throw new UncheckedIOException("preparing " + dataPath + ": " + e.getMessage(), e);
            }
        }

        EncodedSource encodeInto(Path dataPath, CorpusWriter writer) throws IOException {
            try (SampleReader reader = SampleReader.open(dataPath, options.taskType(), options.validateInputs(), allowSystem)) {
                SplitBuilder builder = new SplitBuilder(options.contextLength(), tokenizer.eosTokenId(), writer);
                EncodingPipeline.run(reader, encoder, builder, options.preprocessingNumWorkers(), stop);
                List<Problem> notes = new java.util.ArrayList<>(reader.notes());
                if (options.taskType() == TaskType.CHAT_COMPLETION && tokenizer.chatTemplate().isEmpty()) {
                    notes.add(0, new Problem(dataPath, 0, "the tokenizer has no chat template; the ChatML default "
                            + "(<|im_start|>role\\ncontent<|im_end|>) is used, as llm-foundry does"));
                }
                return builder.finish(reader.files(), notes);
            }
        }
    }

    private static void checkInvalidShare(DataOptions options, EncodedSource source, boolean enforce, List<String> failures) {
        ValidationReport r = source.report();
        if (r.invalidSamples() > 0 && r.invalidPercentage() > options.allowPercentageInvalidSamples()) {
            String summary = String.format(Locale.ROOT,
                    "%d of %d samples (%.2f%%) in %s are invalid; allow_percentage_invalid_samples is %s",
                    r.invalidSamples(), r.samples(), r.invalidPercentage(), source.files().size() == 1
                            ? source.files().get(0) : source.files().size() + " files", options.allowPercentageInvalidSamples());
            if (enforce) {
                throw new DataValidationException(summary, r);
            }
            failures.add(summary);
        }
    }

    private static int[] range(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    private static int[] head(int[] idx, int max) {
        return max > 0 && idx.length > max ? Arrays.copyOf(idx, max) : idx;
    }

    /**
     * Holds out {@code ceil(ratio × n)} examples (at least one, leaving at least one for training) chosen by a
     * seeded permutation; both parts keep file order.
     */
    static int[][] split(int n, double ratio, long seed) {
        int evalCount = n < 2 ? 0 : (int) Math.min(n - 1, Math.max(1, Math.ceil(ratio * n)));
        RowPermutation p = new RowPermutation(n, seed);
        boolean[] isEval = new boolean[n];
        for (int i = 0; i < evalCount; i++) {
            isEval[p.apply(i)] = true;
        }
        int[] train = new int[n - evalCount];
        int[] eval = new int[evalCount];
        int t = 0;
        int e = 0;
        for (int i = 0; i < n; i++) {
            if (isEval[i]) {
                eval[e++] = i;
            } else {
                train[t++] = i;
            }
        }
        return new int[][] {train, eval};
    }

    private static PackedDataset pack(TokenCorpus corpus, int[] idx, DataOptions options, int padId) {
        PackPlan plan;
        if (options.packing()) {
            int[] lengths = new int[idx.length];
            for (int i = 0; i < idx.length; i++) {
                lengths[i] = corpus.length(idx[i]);
            }
            plan = Packer.firstFitDecreasing(idx, lengths, options.contextLength());
        } else {
            plan = Packer.onePerRow(idx);
        }
        return new PackedDataset(corpus, plan, options.contextLength(), padId, options.padToContextLength());
    }

    private static TokenStatistics statistics(EncodedSource source, int[] idx, PackedDataset ds) {
        long tokens = 0;
        long loss = 0;
        int min = Integer.MAX_VALUE;
        int max = 0;
        long over = 0;
        for (int i : idx) {
            int len = source.originalLengths()[i];
            tokens += len;
            min = Math.min(min, len);
            max = Math.max(max, len);
            over += len > ds.contextLength() ? 1 : 0;
            loss += source.corpus().lossTokens(i);
        }
        return new TokenStatistics(idx.length, tokens, idx.length == 0 ? 0 : min, idx.length == 0 ? 0 : (double) tokens / idx.length,
                max, over, ds.tokens(), loss, ds.rows(), ds.contextLength(), ds.paddingFraction());
    }
}
