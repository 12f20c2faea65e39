package dev.finetune4j.data.source;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8 decoding that says where the first bad byte is. */
final class Utf8 {

    private Utf8() {
    }

    /** A strict decoder (malformed or unmappable input is an error, never replaced). */
    static CharsetDecoder strictDecoder() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    /** Thrown with the byte offset of the first invalid sequence. */
    static final class InvalidUtf8 extends Exception {
        private static final long serialVersionUID = 1L;
        final long offset;

        InvalidUtf8(long offset) {
            super("not valid UTF-8 (bad byte sequence at byte " + offset + ")", null, false, false);
            this.offset = offset;
        }
    }

    /** Decodes a whole line strictly. */
    static String decode(byte[] bytes, int length) throws InvalidUtf8 {
        check(bytes, length);
        return new String(bytes, 0, length, java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * Checks that the bytes are valid UTF-8, decoding through a small reused buffer so a long line costs no second
     * copy of itself.
     */
    static void check(byte[] bytes, int length) throws InvalidUtf8 {
        CharsetDecoder dec = strictDecoder();
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
        CharBuffer out = CharBuffer.allocate(Math.min(length + 1, 8192));
        while (true) {
            CoderResult r = dec.decode(in, out, true);
            if (r.isError()) {
                throw new InvalidUtf8(in.position());
            }
            out.clear();
            if (r.isUnderflow()) {
                break;
            }
        }
        if (dec.flush(out).isError()) {
            throw new InvalidUtf8(in.position());
        }
    }
}
