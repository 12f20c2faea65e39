package dev.finetune4j.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Tokenizes a long text in pieces so that memory stays proportional to the piece, not the text: the native
 * tokenizer holds about 200 bytes per token of a call's result (ids, offsets, token strings, masks), so one 50 MB
 * record used to take 10 GB. A text is cut only at a word boundary — a single space between a non-space and a letter
 * or digit — where the tokenizer's pre-tokenization splits anyway, so the pieces' ids concatenate to the whole text's
 * ids. Whether that holds is probed once per tokenizer (every such boundary of a probe text cut at once must give the
 * same ids); tokenizers that fail the probe (e.g. ones that prepend a marker to every input, like SentencePiece's
 * Metaspace) are always called with the whole text.
 */
final class LongTexts {
    /** Texts longer than this many chars are tokenized in pieces of about this size. */
    static final int CHUNK_CHARS = 1 << 16;
    private static final String PROBE = "The quick brown fox, 42 jumps over: the lazy dog's back. Ünïcödé 日本語 "
            + "テキスト and 3.14 more words (here) - end";

    private final boolean chunkable;

    private LongTexts(boolean chunkable) {
        this.chunkable = chunkable;
    }

    boolean chunkable() {
        return chunkable;
    }

    /** Probes whether cutting at word boundaries leaves the ids unchanged. */
    static LongTexts probe(Function<String, int[]> encoder) {
        try {
            int[] whole = encoder.apply(PROBE);
            int[] pieces = new int[0];
            int from = 0;
            for (int i = 1; i < PROBE.length(); i++) {
                if (boundary(PROBE, i)) {
                    pieces = concat(pieces, encoder.apply(PROBE.substring(from, i)));
                    from = i;
                }
            }
            pieces = concat(pieces, encoder.apply(PROBE.substring(from)));
            return new LongTexts(Arrays.equals(whole, pieces));
        } catch (RuntimeException e) {
            return new LongTexts(false);
        }
    }

    /** A cut before index {@code i}: a single space at i between a non-space and a letter or digit. */
    static boolean boundary(CharSequence s, int i) {
        return i > 0 && i + 1 < s.length() && s.charAt(i) == ' ' && !Character.isWhitespace(s.charAt(i - 1))
                && Character.isLetterOrDigit(s.charAt(i + 1));
    }

    /** The ids of {@code text}, tokenized piece by piece. */
    int[] encode(String text, Function<String, int[]> encoder) {
        List<int[]> pieces = new ArrayList<>();
        long n = 0;
        for (int from = 0; from < text.length(); ) {
            int to = cut(text, from);
            int[] ids = encoder.apply(text.substring(from, to));
            pieces.add(ids);
            n += ids.length;
            from = to;
        }
        int[] out = new int[Math.toIntExact(n)]; // one exact allocation: no growth copies of a long text's ids
        int at = 0;
        for (int[] p : pieces) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** The end of the piece starting at {@code from}: the last boundary before from + CHUNK_CHARS, else the next. */
    private static int cut(String text, int from) {
        int limit = from + CHUNK_CHARS;
        if (limit >= text.length()) {
            return text.length();
        }
        for (int i = limit; i > from + CHUNK_CHARS / 2; i--) {
            if (boundary(text, i)) {
                return i;
            }
        }
        for (int i = limit + 1; i < text.length(); i++) { // no word boundary nearby: the next one, however far
            if (boundary(text, i)) {
                return i;
            }
        }
        return text.length();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
