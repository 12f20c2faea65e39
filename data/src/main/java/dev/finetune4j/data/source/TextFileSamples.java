package dev.finetune4j.data.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One .txt file = one continued-pretraining document, read in pieces of about 1 MiB cut after a line end (as
 * llm-foundry's convert_text_to_mds reads files in chunks, docs/training.md §4.4), decoded strictly as UTF-8. A bad byte makes the
 * whole document invalid, reported with its line.
 */
final class TextFileSamples implements SampleReader.FileSamples {

    static final int CHUNK_BYTES = 1 << 20;
    private final Path file;
    private final int document;
    private final boolean validate;
    private final InputStream in;
    private final CharsetDecoder decoder = Utf8.strictDecoder();
    private final ByteBuffer bytes = ByteBuffer.allocate(CHUNK_BYTES);
    private final StringBuilder carry = new StringBuilder();
    private long linesBefore = 1;
    private boolean first = true;
    private boolean done;

    TextFileSamples(Path file, int document, boolean validate) throws IOException {
        this.file = file;
        this.document = document;
        this.validate = validate;
        this.in = Files.newInputStream(file);
        bytes.flip();
    }

    @Override
    public ReadSample next() throws IOException {
        if (done) {
            return null;
        }
        while (true) {
            boolean eof = !refill();
            CharBuffer chars = CharBuffer.allocate(bytes.remaining() + 8);
            CoderResult r = decoder.decode(bytes, chars, eof);
            if (r.isError()) {
                chars.flip();
                carry.append(chars);
                done = true;
                return invalid("not valid UTF-8 (bad byte sequence); the document is skipped", linesBefore + count(carry));
            }
            if (eof) {
                decoder.flush(chars);
            }
            chars.flip();
            carry.append(chars);
            if (eof) {
                done = true;
                if (first && carry.isEmpty() && validate) {
                    return invalid("empty document", 0);
                }
                return chunk(carry.length(), true);
            }
            if (carry.length() >= CHUNK_BYTES) {
                int cut = carry.lastIndexOf("\n") + 1;
                if (cut == 0) { // no line end: cut after a space, or anywhere once it gets long
                    cut = carry.lastIndexOf(" ") + 1;
                }
                if (cut == 0 && carry.length() >= 4 * CHUNK_BYTES) {
                    cut = Character.isHighSurrogate(carry.charAt(carry.length() - 1)) ? carry.length() - 1 : carry.length();
                }
                if (cut > 0) {
                    return chunk(cut, false);
                }
            }
        }
    }

    private ReadSample chunk(int length, boolean last) {
        String text = carry.substring(0, length);
        carry.delete(0, length);
        linesBefore += count(text);
        ReadSample s = new ReadSample(file, 0, new TextChunk(text, document, first, last), List.of(), last);
        first = false;
        return s;
    }

    private ReadSample invalid(String reason, long line) {
        return new ReadSample(file, line, null, List.of(reason), true);
    }

    private boolean refill() throws IOException {
        bytes.compact();
        int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
        if (n > 0) {
            bytes.position(bytes.position() + n);
        }
        bytes.flip();
        return n >= 0;
    }

    private static long count(CharSequence s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
