package dev.finetune4j.checkpoint.torch;

import dev.finetune4j.checkpoint.AtomicFiles;
import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.StoredTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Reads and writes torch.save files. Reading accepts the zip format (any pickle protocol 0–5, any archive prefix,
 * STORED or DEFLATE records, zip64) and the legacy pre-1.6 stream; the pre-1.0 tar format is refused with a clear
 * "legacy torch format not supported" error. Only allow-listed globals are honoured (like
 * {@code weights_only=True}); anything else is refused with an error that names the global.
 *
 * <p>Python values become: dict → {@link java.util.LinkedHashMap} (OrderedDict → {@link PyOrderedDict}), list →
 * {@link java.util.List}, tuple → {@link PyTuple}, str → String, int → Long (BigInteger beyond 64 bits), float →
 * Double, bool → Boolean, None → null, bytes → byte[], timedelta → {@link java.time.Duration}, TorchVersion → String,
 * numpy arrays → {@link NumpyArray}, tensors and parameters → {@link dev.finetune4j.checkpoint.StoredTensor}
 * (contiguous; views, offsets and strides applied; memory-mapped slices when already contiguous).
 */
public final class TorchFile {
    private TorchFile() {
    }

    /** Reads a torch.save file into the Java value model. */
    public static Object read(Path file) {
        TorchContents c = readContents(file);
        return finish(c.object(), true, file.toString());
    }

    private static Object finish(Object o, boolean toStored, String source) {
        try {
            return TorchReader.finish(o, toStored, source);
        } catch (CheckpointFormatException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(source)) {
                throw e;
            }
            throw CheckpointFormatException.of(source, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw CheckpointFormatException.of(source, "malformed torch file (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")", e);
        }
    }

    /** Reads torch.save bytes held in memory ({@code source} names them in errors). */
    public static Object read(ByteBuffer bytes, String source) {
        TorchContents c = TorchReader.read(ByteSource.of(bytes), source, false);
        return finish(c.object(), true, source);
    }

    /**
     * Writes a value as torch.save does (protocol 2, {@code archive/} prefix, 64-byte aligned STORED records,
     * {@code byteorder} and {@code version} records), atomically. {@code torch.load(f, weights_only=True)} accepts
     * the result. Allowed values: Map (PyOrderedDict → OrderedDict), List, PyTuple, String, Long/Integer/BigInteger,
     * Double/Float, Boolean, null, StoredTensor, byte[], Duration (timedelta) and NumpyArray.
     */
    public static void write(Path file, Object value) {
        write(file, value, false);
    }

    /** As {@link #write(Path, Object)}; {@code alwaysZip64} forces the zip64 layout used for files over 4 GiB. */
    static void write(Path file, Object value, boolean alwaysZip64) {
        Pickler p = new Pickler();
        byte[] pkl = p.dump(value);
        AtomicFiles.write(file, ch -> {
            TorchZipWriter z = new TorchZipWriter(ch, alwaysZip64);
            z.add("archive/data.pkl", ByteBuffer.wrap(pkl));
            z.add("archive/.format_version", "1");
            z.add("archive/.storage_alignment", "64");
            z.add("archive/byteorder", "little");
            List<StoredTensor> storages = p.storages();
            for (int i = 0; i < storages.size(); i++) {
                z.add("archive/data/" + i, storages.get(i).data());
            }
            z.add("archive/version", "3\n");
            z.add("archive/.data/serialization_id", serializationId(pkl));
            z.finish();
        });
    }

    private static String serializationId(byte[] pkl) {
        java.util.zip.CRC32 c = new java.util.zip.CRC32();
        c.update(pkl);
        return String.format("%020d", c.getValue() * 1_000_003L & Long.MAX_VALUE);
    }

    /** Reads a file keeping tensors as {@link TorchTensor} views and returning the container details. */
    public static TorchContents readContents(Path file) {
        return readContents(file, false);
    }

    /**
     * Reads a torch.distributed.checkpoint {@code .metadata} pickle (plain pickle, not a zip): the allow-list is
     * widened to the DCP metadata dataclasses, which come back as {@link PyObject}s.
     */
    public static Object readDistributedMetadata(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteSource src = ByteSource.of(ch);
            if (src.size() > Integer.MAX_VALUE) {
                throw CheckpointFormatException.of(file, "metadata file is too large");
            }
            WeightsOnlyGlobals g = new WeightsOnlyGlobals(file.toString(), true);
            Object o = new Unpickler(src.slice(0, (int) src.size()), file.toString(), g, pid -> {
                throw CheckpointFormatException.of(file, "unexpected persistent id in DCP metadata");
            }).load();
            return finish(o, true, file.toString());
        } catch (NoSuchFileException e) {
            throw CheckpointFormatException.of(file, "no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static TorchContents readContents(Path file, boolean distributedMetadata) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            TorchContents c = TorchReader.read(ByteSource.of(ch), file.toString(), distributedMetadata);
            return new TorchContents(c.container(), c.archivePrefix(), c.entries(), c.records(), c.pickleGlobals(),
                    finish(c.object(), false, file.toString()));
        } catch (NoSuchFileException e) {
            throw CheckpointFormatException.of(file, "no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads bytes in memory keeping tensors as views. */
    public static TorchContents readContents(ByteBuffer bytes, String source) {
        TorchContents c = TorchReader.read(ByteSource.of(bytes), source, false);
        return new TorchContents(c.container(), c.archivePrefix(), c.entries(), c.records(), c.pickleGlobals(),
                finish(c.object(), false, source));
    }
}
