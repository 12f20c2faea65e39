package dev.finetune4j.checkpoint.torch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * Random access to the bytes of a file: one read-only mapping for files under 2 GiB, region mappings for larger
 * ones (so a 16 GB checkpoint is never copied onto the heap), or a buffer already in memory.
 */
abstract class ByteSource {
    abstract long size();

    /** A little-endian view of {@code [offset, offset+length)}; callers check the bounds first. */
    abstract ByteBuffer slice(long offset, int length);

    static ByteSource of(ByteBuffer whole) {
        ByteBuffer b = whole.slice().order(ByteOrder.LITTLE_ENDIAN);
        return new ByteSource() {
            long size() {
                return b.remaining();
            }

            ByteBuffer slice(long offset, int length) {
                return b.duplicate().position((int) offset).limit((int) offset + length).slice()
                        .order(ByteOrder.LITTLE_ENDIAN);
            }
        };
    }

    /** Maps the file; the channel may be closed afterwards (mappings stay valid). */
    static ByteSource of(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size <= Integer.MAX_VALUE) {
            return of(ch.map(FileChannel.MapMode.READ_ONLY, 0, size));
        }
        return new ByteSource() {
            long size() {
                return size;
            }

            ByteBuffer slice(long offset, int length) {
                try {
                    return ch.map(FileChannel.MapMode.READ_ONLY, offset, length).order(ByteOrder.LITTLE_ENDIAN);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }
}
