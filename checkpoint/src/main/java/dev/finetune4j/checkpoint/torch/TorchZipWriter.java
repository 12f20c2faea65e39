package dev.finetune4j.checkpoint.torch;

import dev.finetune4j.checkpoint.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Writes a zip archive as torch's PyTorchStreamWriter (miniz) does (docs/formats.md §1.1): every record
 * STORED, its data starting at a multiple of 64 bytes thanks to an {@code FB} padding extra field, zip64 extras and
 * records when sizes or offsets need them.
 */
final class TorchZipWriter {
    static final int ALIGNMENT = 64;
    private static final long MAX32 = 0xffffffffL;

    private record Central(byte[] name, long crc, long size, long offset) {
    }

    private final FileChannel ch;
    private final boolean alwaysZip64;
    private final List<Central> central = new ArrayList<>();
    private long position;

    /** @param alwaysZip64 use zip64 fields for every record (tests the path files over 4 GiB take) */
    TorchZipWriter(FileChannel ch, boolean alwaysZip64) throws IOException {
        this.ch = ch;
        this.alwaysZip64 = alwaysZip64;
        this.position = ch.position();
    }

    /** Appends a STORED record. */
    void add(String name, ByteBuffer data) throws IOException {
        byte[] nb = name.getBytes(StandardCharsets.UTF_8);
        long size = data.remaining();
        CRC32 crc = new CRC32();
        crc.update(data.duplicate());
        boolean zip64 = alwaysZip64 || size >= MAX32;
        int z64Len = zip64 ? 20 : 0;
        long headerEnd = position + 30 + nb.length + z64Len;
        int pad = (int) ((ALIGNMENT - (headerEnd + 4) % ALIGNMENT) % ALIGNMENT);
        ByteBuffer h = ByteBuffer.allocate(30 + nb.length + z64Len + 4 + pad).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0x04034b50).putShort((short) (zip64 ? 45 : 20)).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0).putShort((short) 0x21) // DOS date 1980-01-01
                .putInt((int) crc.getValue())
                .putInt((int) (zip64 ? MAX32 : size)).putInt((int) (zip64 ? MAX32 : size))
                .putShort((short) nb.length).putShort((short) (z64Len + 4 + pad)).put(nb);
        if (zip64) {
            h.putShort((short) 1).putShort((short) 16).putLong(size).putLong(size);
        }
        h.putShort((short) 0x4246).putShort((short) pad);
        for (int i = 0; i < pad; i++) {
            h.put((byte) 'Z');
        }
        h.flip();
        write(h);
        central.add(new Central(nb, crc.getValue(), size, position - h.limit()));
        write(data.duplicate());
    }

    void add(String name, String text) throws IOException {
        add(name, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes the central directory and end records. */
    void finish() throws IOException {
        long cdStart = position;
        ByteArrayOutputStream cd = new ByteArrayOutputStream();
        for (Central c : central) {
            boolean bigSize = alwaysZip64 || c.size >= MAX32;
            boolean bigOff = alwaysZip64 || c.offset >= MAX32;
            int extra = (bigSize ? 16 : 0) + (bigOff ? 8 : 0);
            ByteBuffer e = ByteBuffer.allocate(46 + c.name.length + (extra > 0 ? 4 + extra : 0))
                    .order(ByteOrder.LITTLE_ENDIAN);
            e.putInt(0x02014b50).putShort((short) 0x031e).putShort((short) (extra > 0 ? 45 : 20))
                    .putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0x21)
                    .putInt((int) c.crc).putInt((int) (bigSize ? MAX32 : c.size)).putInt((int) (bigSize ? MAX32 : c.size))
                    .putShort((short) c.name.length).putShort((short) (extra > 0 ? 4 + extra : 0)).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt(0).putInt((int) (bigOff ? MAX32 : c.offset))
                    .put(c.name);
            if (extra > 0) {
                e.putShort((short) 1).putShort((short) extra);
                if (bigSize) {
                    e.putLong(c.size).putLong(c.size);
                }
                if (bigOff) {
                    e.putLong(c.offset);
                }
            }
            cd.write(e.array(), 0, e.position());
        }
        byte[] cdBytes = cd.toByteArray();
        write(ByteBuffer.wrap(cdBytes));
        long cdSize = cdBytes.length;
        boolean zip64 = alwaysZip64 || central.size() >= 0xffff || cdStart >= MAX32 || cdSize >= MAX32;
        ByteBuffer end = ByteBuffer.allocate(56 + 20 + 22).order(ByteOrder.LITTLE_ENDIAN);
        if (zip64) {
            long z64 = position;
            end.putInt(0x06064b50).putLong(44).putShort((short) 0x031e).putShort((short) 45).putInt(0).putInt(0)
                    .putLong(central.size()).putLong(central.size()).putLong(cdSize).putLong(cdStart);
            end.putInt(0x07064b50).putInt(0).putLong(z64).putInt(1);
        }
        end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
                .putShort((short) (zip64 ? 0xffff : central.size())).putShort((short) (zip64 ? 0xffff : central.size()))
                .putInt((int) (zip64 ? MAX32 : cdSize)).putInt((int) (zip64 ? MAX32 : cdStart)).putShort((short) 0);
        end.flip();
        write(end);
    }

    private void write(ByteBuffer b) throws IOException {
        position += b.remaining();
        AtomicFiles.writeFully(ch, b);
    }
}
