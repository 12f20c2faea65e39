package dev.finetune4j.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link TokenCorpus} in four little-endian files, memory-mapped for reading so a corpus larger than the heap
 * costs only page cache: {@code ids.bin} (int32 per token), {@code trained.bin} (one byte per token),
 * {@code offsets.bin} (int64 start of each example plus the end) and {@code loss.bin} (int32 trained labels per
 * example).
 */
public final class MappedCorpus implements TokenCorpus {

    private static final int DEFAULT_SEGMENT_TOKENS = 1 << 28; // 1 GiB of ids per mapping
    private final int segmentTokens;
    private final List<IntBuffer> ids = new ArrayList<>();
    private final List<ByteBuffer> trained = new ArrayList<>();
    private final LongBuffer offsets;
    private final IntBuffer loss;
    private final int size;

    private MappedCorpus(Path dir, int segmentTokens) throws IOException {
        this.segmentTokens = segmentTokens;
        try (FileChannel off = FileChannel.open(dir.resolve("offsets.bin"));
             FileChannel lo = FileChannel.open(dir.resolve("loss.bin"));
             FileChannel id = FileChannel.open(dir.resolve("ids.bin"));
             FileChannel tr = FileChannel.open(dir.resolve("trained.bin"))) {
            if (off.size() < 8 || off.size() % 8 != 0 || lo.size() % 4 != 0) {
                throw new IOException("cache files in " + dir + " are truncated (offsets.bin " + off.size()
                        + " bytes, loss.bin " + lo.size() + " bytes)");
            }
            offsets = map(off, 0, off.size()).asLongBuffer();
            loss = map(lo, 0, lo.size()).asIntBuffer();
            size = offsets.capacity() - 1;
            long tokens = offsets.get(size);
            if (id.size() != tokens * 4 || tr.size() != tokens || loss.capacity() != size) {
                throw new IOException("cache files in " + dir + " do not agree in size");
            }
            long previous = 0;
            for (int i = 0; i <= size; i++) { // offsets run from 0 up to the token count, never backwards
                long o = offsets.get(i);
                if (o < previous || (i == 0 && o != 0)) {
                    throw new IOException("cache file " + dir.resolve("offsets.bin") + " is corrupt at entry " + i);
                }
                previous = o;
            }
            for (long start = 0; start < tokens; start += segmentTokens) {
                long n = Math.min(segmentTokens, tokens - start);
                ids.add(map(id, start * 4, n * 4).asIntBuffer());
                trained.add(map(tr, start, n));
            }
        }
    }

    private static MappedByteBuffer map(FileChannel ch, long pos, long len) throws IOException {
        MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, pos, len);
        b.order(ByteOrder.LITTLE_ENDIAN);
        return b;
    }

    /** Opens a corpus written by {@link #writer(Path)}. */
    public static MappedCorpus open(Path dir) throws IOException {
        return new MappedCorpus(dir, DEFAULT_SEGMENT_TOKENS);
    }

    /** Opens with a given mapping size (tests use tiny segments to cover examples that straddle two). */
    static MappedCorpus open(Path dir, int segmentTokens) throws IOException {
        return new MappedCorpus(dir, segmentTokens);
    }

    /** A writer that streams a corpus into {@code dir} (created if missing); finish() fsyncs and maps it. */
    public static CorpusWriter writer(Path dir) throws IOException {
        return new Writer(dir);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int length(int example) {
        return (int) (offsets.get(example + 1) - offsets.get(example));
    }

    @Override
    public void readIds(int example, int[] dst, int off) {
        long at = offsets.get(example);
        int left = length(example);
        while (left > 0) {
            int seg = (int) (at / segmentTokens);
            int in = (int) (at % segmentTokens);
            int n = Math.min(left, segmentTokens - in);
            ids.get(seg).get(in, dst, off, n);
            at += n;
            off += n;
            left -= n;
        }
    }

    @Override
    public void readLabels(int example, int[] dst, int off) {
        readIds(example, dst, off);
        long at = offsets.get(example);
        int left = length(example);
        byte[] flags = new byte[Math.min(left, 1 << 16)];
        while (left > 0) {
            int seg = (int) (at / segmentTokens);
            int in = (int) (at % segmentTokens);
            int n = Math.min(Math.min(left, segmentTokens - in), flags.length);
            trained.get(seg).get(in, flags, 0, n);
            for (int t = 0; t < n; t++) {
                if (flags[t] == 0) {
                    dst[off + t] = Batch.IGNORE_INDEX;
                }
            }
            at += n;
            off += n;
            left -= n;
        }
    }

    @Override
    public int lossTokens(int example) {
        return loss.get(example);
    }

    /** Streams the four files with buffered channel writes. */
    private static final class Writer implements CorpusWriter {
        private final Path dir;
        private final FileChannel idCh;
        private final FileChannel trCh;
        private final FileChannel offCh;
        private final FileChannel lossCh;
        private final ByteBuffer idBuf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private final ByteBuffer trBuf = ByteBuffer.allocate(1 << 18);
        private final ByteBuffer offBuf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private final ByteBuffer lossBuf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private long tokens;
        private int size;

        Writer(Path dir) throws IOException {
            this.dir = dir;
            Files.createDirectories(dir);
            idCh = open("ids.bin");
            trCh = open("trained.bin");
            offCh = open("offsets.bin");
            lossCh = open("loss.bin");
            offBuf.putLong(0);
        }

        private FileChannel open(String name) throws IOException {
            return FileChannel.open(dir.resolve(name), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        }

        @Override
        public int add(int[] exampleIds, int[] labels) throws IOException {
            int count = 0;
            for (int t = 0; t < exampleIds.length; t++) {
                boolean on = t > 0 && labels[t] != Batch.IGNORE_INDEX;
                if (on && labels[t] != exampleIds[t]) {
                    throw new IllegalArgumentException("label " + labels[t] + " at " + t + " is neither -100 nor the token");
                }
                if (idBuf.remaining() < 4) {
                    drain(idBuf, idCh);
                }
                if (!trBuf.hasRemaining()) {
                    drain(trBuf, trCh);
                }
                idBuf.putInt(exampleIds[t]);
                trBuf.put((byte) (on ? 1 : 0));
                count += on ? 1 : 0;
            }
            tokens += exampleIds.length;
            if (offBuf.remaining() < 8) {
                drain(offBuf, offCh);
            }
            offBuf.putLong(tokens);
            if (lossBuf.remaining() < 4) {
                drain(lossBuf, lossCh);
            }
            lossBuf.putInt(count);
            return size++;
        }

        private static void drain(ByteBuffer buf, FileChannel ch) throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            buf.clear();
        }

        @Override
        public TokenCorpus finish() throws IOException {
            drain(idBuf, idCh);
            drain(trBuf, trCh);
            drain(offBuf, offCh);
            drain(lossBuf, lossCh);
            for (FileChannel ch : List.of(idCh, trCh, offCh, lossCh)) {
                ch.force(true);
                ch.close();
            }
            return MappedCorpus.open(dir);
        }
    }
}
