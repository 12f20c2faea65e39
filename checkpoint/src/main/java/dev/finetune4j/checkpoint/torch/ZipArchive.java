package dev.finetune4j.checkpoint.torch;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads the central directory of a zip file (zip64 included) and gives each record's bytes: a slice of the file for
 * STORED records, inflated onto the heap for DEFLATE ones. CRC-32 is verified the first time a record is read.
 */
final class ZipArchive {
    /** One record of the central directory. */
    record Entry(String name, int method, long compressedSize, long size, long crc, long localHeaderOffset) {
    }

    private final ByteSource src;
    private final String source;
    private final Map<String, Entry> entries;

    ZipArchive(ByteSource src, String source) {
        this.src = src;
        this.source = source;
        this.entries = Collections.unmodifiableMap(readCentralDirectory());
    }

    /** Record names in central-directory order. */
    List<String> names() {
        return new ArrayList<>(entries.keySet());
    }

    boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** The record's bytes (verified against its CRC-32). */
    ByteBuffer read(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw fail("missing record '" + name + "'");
        }
        ByteBuffer h = slice(e.localHeaderOffset, 30, "local header of '" + name + "'");
        if (h.getInt(0) != 0x04034b50) {
            throw fail("bad local header signature for record '" + name + "' at offset " + e.localHeaderOffset);
        }
        long dataStart = e.localHeaderOffset + 30 + (h.getShort(26) & 0xffff) + (h.getShort(28) & 0xffff);
        if (e.compressedSize > Integer.MAX_VALUE || e.size > Integer.MAX_VALUE) {
            throw fail("record '" + name + "' is " + e.size + " bytes; records of 2 GiB or more are not supported");
        }
        ByteBuffer data = slice(dataStart, (int) e.compressedSize, "data of record '" + name + "'");
        ByteBuffer out;
        if (e.method == 0) {
            if (e.compressedSize != e.size) {
                throw fail("STORED record '" + name + "' has compressed size " + e.compressedSize + " but size "
                        + e.size);
            }
            out = data;
        } else if (e.method == 8) {
            out = inflate(name, data, (int) e.size);
        } else {
            throw fail("record '" + name + "' uses zip compression method " + e.method + "; only STORED and "
                    + "DEFLATE are supported");
        }
        CRC32 crc = new CRC32();
        crc.update(out.duplicate());
        if (crc.getValue() != e.crc) {
            throw fail("CRC-32 mismatch in record '" + name + "' (the file is corrupt)");
        }
        return out;
    }

    /** The record as UTF-8 text, or null when absent. */
    String readText(String name) {
        if (!contains(name)) {
            return null;
        }
        ByteBuffer b = read(name);
        byte[] bytes = new byte[Math.min(b.remaining(), 1 << 20)];
        b.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private ByteBuffer inflate(String name, ByteBuffer data, int size) {
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(data.duplicate());
            byte[] out = new byte[size];
            int n = 0;
            while (n < size) {
                int r = inf.inflate(out, n, size - n);
                if (r == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
                n += r;
            }
            if (n != size) {
                throw fail("DEFLATE record '" + name + "' inflates to " + n + " bytes, expected " + size);
            }
            return ByteBuffer.wrap(out);
        } catch (DataFormatException ex) {
            throw fail("DEFLATE record '" + name + "' is corrupt: " + ex.getMessage());
        } finally {
            inf.end();
        }
    }

    private Map<String, Entry> readCentralDirectory() {
        long size = src.size();
        if (size < 22) {
            throw fail("too short for a zip archive (" + size + " bytes)");
        }
        int tail = (int) Math.min(size, 22 + 65535);
        ByteBuffer t = src.slice(size - tail, tail);
        int eocd = -1;
        for (int i = tail - 22; i >= 0; i--) {
            if (t.getInt(i) == 0x06054b50) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw fail("no zip end-of-central-directory record (the file is truncated or not a zip)");
        }
        long eocdPos = size - tail + eocd;
        long count = t.getShort(eocd + 10) & 0xffff;
        long cdSize = t.getInt(eocd + 12) & 0xffffffffL;
        long cdOffset = t.getInt(eocd + 16) & 0xffffffffL;
        if (count == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) {
            if (eocdPos < 20) {
                throw fail("zip64 locator missing");
            }
            ByteBuffer loc = slice(eocdPos - 20, 20, "zip64 locator");
            if (loc.getInt(0) != 0x07064b50) {
                throw fail("zip64 end-of-central-directory locator missing");
            }
            long z64 = loc.getLong(8);
            ByteBuffer r = slice(z64, 56, "zip64 end-of-central-directory record");
            if (r.getInt(0) != 0x06064b50) {
                throw fail("bad zip64 end-of-central-directory signature at offset " + z64);
            }
            count = r.getLong(32);
            cdSize = r.getLong(40);
            cdOffset = r.getLong(48);
        }
        if (cdOffset < 0 || cdSize < 0 || cdSize > Integer.MAX_VALUE || cdOffset + cdSize > size) {
            throw fail("central directory (offset " + cdOffset + ", " + cdSize + " bytes) lies outside the file");
        }
        ByteBuffer cd = src.slice(cdOffset, (int) cdSize);
        Map<String, Entry> out = new LinkedHashMap<>();
        int p = 0;
        for (long i = 0; i < count; i++) {
            if (p + 46 > cd.limit() || cd.getInt(p) != 0x02014b50) {
                throw fail("central directory entry " + i + " is corrupt");
            }
            int method = cd.getShort(p + 10) & 0xffff;
            long crc = cd.getInt(p + 16) & 0xffffffffL;
            long csize = cd.getInt(p + 20) & 0xffffffffL;
            long usize = cd.getInt(p + 24) & 0xffffffffL;
            int nameLen = cd.getShort(p + 28) & 0xffff;
            int extraLen = cd.getShort(p + 30) & 0xffff;
            int commentLen = cd.getShort(p + 32) & 0xffff;
            long local = cd.getInt(p + 42) & 0xffffffffL;
            if (p + 46 + nameLen + extraLen + commentLen > cd.limit()) {
                throw fail("central directory entry " + i + " runs past the directory");
            }
            byte[] nb = new byte[nameLen];
            cd.get(p + 46, nb);
            String name = new String(nb, StandardCharsets.UTF_8);
            int x = p + 46 + nameLen;
            int xEnd = x + extraLen;
            while (x + 4 <= xEnd) {
                int id = cd.getShort(x) & 0xffff;
                int len = cd.getShort(x + 2) & 0xffff;
                int q = x + 4;
                if (q + len > xEnd) {
                    throw fail("extra field of entry '" + name + "' runs past its end");
                }
                if (id == 0x0001) {
                    if (usize == 0xffffffffL && q + 8 <= x + 4 + len) {
                        usize = cd.getLong(q);
                        q += 8;
                    }
                    if (csize == 0xffffffffL && q + 8 <= x + 4 + len) {
                        csize = cd.getLong(q);
                        q += 8;
                    }
                    if (local == 0xffffffffL && q + 8 <= x + 4 + len) {
                        local = cd.getLong(q);
                    }
                }
                x += 4 + len;
            }
            if (local < 0 || csize < 0 || usize < 0 || local + 30 > size) {
                throw fail("entry '" + name + "' points outside the file");
            }
            out.put(name, new Entry(name, method, csize, usize, crc, local));
            p += 46 + nameLen + extraLen + commentLen;
        }
        return out;
    }

    private ByteBuffer slice(long offset, int length, String what) {
        if (offset < 0 || length < 0 || offset + length > src.size()) {
            throw fail(what + " (offset " + offset + ", " + length + " bytes) lies outside the file of "
                    + src.size() + " bytes; the file is truncated or corrupt");
        }
        return src.slice(offset, length);
    }

    private CheckpointFormatException fail(String what) {
        return CheckpointFormatException.of(source, what);
    }
}
