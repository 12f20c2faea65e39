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
        CharsetDecoder dec = strictDecoder();
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
        CharBuffer out = CharBuffer.allocate(length);
        CoderResult r = dec.decode(in, out, true);
        if (r.isError()) {
            throw new InvalidUtf8(in.position());
        }
        r = dec.flush(out);
        if (r.isError()) {
            throw new InvalidUtf8(in.position());
        }
        out.flip();
        return out.toString();
    }
}
