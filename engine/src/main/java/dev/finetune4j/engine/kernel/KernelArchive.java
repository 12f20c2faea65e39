package dev.finetune4j.engine.kernel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a TorchScript archive that libtorch loads, from the source text of one module class with no parameters
 * (docs/djl.md §2): a zip with one top folder holding {@code data.pkl} (the pickled module
 * object), {@code code/__torch__.py} (the class source), {@code constants.pkl} and {@code version}.
 */
public final class KernelArchive {

    /** Archive format version: 1–10 load; 10 keeps today's {@code torch.div} semantics. */
    static final int FORMAT_VERSION = 10;

    private KernelArchive() {
    }

    /** Writes the archive for class {@code className} to {@code target} (temp file + atomic rename). */
    public static void write(Path target, String className, String source) throws IOException {
        Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), target.getFileName().toString(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(out)) {
                String top = "kernels/";
                stored(zip, top + "data.pkl", modulePickle(className));
                stored(zip, top + "code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
                stored(zip, top + "constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
                stored(zip, top + "version", (FORMAT_VERSION + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Pickle protocol 2: {@code __torch__.<className>.__new__()} then BUILD with {"training": False}. */
    static byte[] modulePickle(String className) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x80);
        b.write(2);
        byte[] global = ("c__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII);
        b.write(global, 0, global.length);
        b.write(')');      // EMPTY_TUPLE
        b.write(0x81);     // NEWOBJ
        b.write('}');      // EMPTY_DICT
        byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
        b.write('X');      // BINUNICODE
        b.write(key.length);
        b.write(0);
        b.write(0);
        b.write(0);
        b.write(key, 0, key.length);
        b.write(0x89);     // NEWFALSE
        b.write('s');      // SETITEM
        b.write('b');      // BUILD
        b.write('.');      // STOP
        return b.toByteArray();
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }
}
