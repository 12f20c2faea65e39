package dev.finetune4j.data.source;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines ({@code \n} or {@code \r\n}) without decoding, so that one line with bad UTF-8
 * is reported on its own instead of poisoning the rest of the file. A UTF-8 byte-order mark at the start is skipped.
 */
final class LineReader implements Closeable {

    private final InputStream in;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int limit;
    private byte[] line = new byte[256];
    private int lineLength;
    private long lineNumber;
    private boolean eof;
    private final int maxLineBytes;
    private long fullLength;

    LineReader(InputStream in) throws IOException {
        this(in, Integer.MAX_VALUE - 16);
    }

    /** A reader that keeps at most {@code maxLineBytes} of a line: a longer one is skipped, see {@link #tooLong()}. */
    LineReader(InputStream in, int maxLineBytes) throws IOException {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
        fill();
        if (limit >= 3 && (buf[0] & 0xFF) == 0xEF && (buf[1] & 0xFF) == 0xBB && (buf[2] & 0xFF) == 0xBF) {
            pos = 3;
        }
    }

    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            eof = true;
            pos = limit = 0;
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }

    /** Reads the next line into {@link #bytes()}; false at end of input. */
    boolean next() throws IOException {
        lineLength = 0;
        fullLength = 0;
        boolean any = false;
        while (true) {
            if (pos >= limit && !fill()) {
                if (!any) {
                    return false;
                }
                break;
            }
            any = true;
            int start = pos;
            while (pos < limit && buf[pos] != '\n') {
                pos++;
            }
            append(start, pos - start);
            if (pos < limit) { // found \n
                pos++;
                break;
            }
        }
        if (lineLength > 0 && line[lineLength - 1] == '\r') {
            lineLength--;
        }
        if (fullLength > maxLineBytes) {
            lineLength = 0;
        }
        lineNumber++;
        return true;
    }

    private void append(int from, int n) {
        fullLength += n;
        if (fullLength > maxLineBytes) {
            lineLength = 0; // over the limit: the rest of the line is only counted, never buffered
            return;
        }
        if (lineLength + n > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + n));
        }
        System.arraycopy(buf, from, line, lineLength, n);
        lineLength += n;
    }

    /** The current line's bytes (valid up to {@link #length()}). */
    byte[] bytes() {
        return line;
    }

    /** Drops a large line buffer once its line has been parsed (the next line starts small again). */
    void release() {
        if (line.length > (1 << 20)) {
            line = new byte[256];
            lineLength = 0;
        }
    }

    /** Whether the current line was longer than the limit (its bytes were dropped; see {@link #fullLength()}). */
    boolean tooLong() {
        return fullLength > maxLineBytes;
    }

    /** The current line's length in the file, including what was dropped of a line that is too long. */
    long fullLength() {
        return fullLength;
    }

    /** Length of the current line in bytes. */
    int length() {
        return lineLength;
    }

    /** 1-based number of the current line. */
    long lineNumber() {
        return lineNumber;
    }

    /** Whether the current line is only whitespace. */
    boolean blank() {
        for (int i = 0; i < lineLength; i++) {
            byte b = line[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
