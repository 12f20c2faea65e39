package dev.finetune4j.run;

import dev.finetune4j.engine.event.Metrics;
import dev.finetune4j.engine.event.RunListener;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;

/**
 * Writes a TensorBoard event file ({@code events.out.tfevents.<10-digit seconds>.<host>}) readable by
 * TensorBoard and {@code tf.compat.v1.train.summary_iterator}: TFRecord-framed {@code Event} protos, first
 * {@code file_version: "brain.Event:2"}, then one {@code Summary} of {@code simple_value}s per {@link Metrics}.
 * Protobuf is encoded by hand (Event: wall_time=1 double, step=2 int64, file_version=3 string, summary=5;
 * Summary.value=1; Value: tag=1, simple_value=2 float). Each record is written whole and unbuffered, so
 * TensorBoard can read the file while training runs.
 */
public final class TensorBoardWriter implements RunListener, Closeable {
    /** The folder inside the run folder. */
    public static final String DIR_NAME = "tensorboard";
    /** The first record's file_version. */
    public static final String FILE_VERSION = "brain.Event:2";

    private final Path file;
    private final FileChannel channel;

    private TensorBoardWriter(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Creates a new event file in {@code dir} named after the current time and this host. */
    public static TensorBoardWriter create(Path dir) {
        return create(dir, Instant.now(), hostName());
    }

    /**
     * Creates {@code dir/events.out.tfevents.<seconds>.<host>} (a {@code .N} suffix if that exists) and writes
     * the file_version record.
     */
    public static TensorBoardWriter create(Path dir, Instant now, String host) {
        String base = String.format("events.out.tfevents.%010d.%s", now.getEpochSecond(), host);
        try {
            Files.createDirectories(dir);
            for (int i = 0; ; i++) {
                Path f = dir.resolve(i == 0 ? base : base + "." + i);
                try {
                    FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    TensorBoardWriter w = new TensorBoardWriter(f, ch);
                    w.write(new Protobuf().doubleField(1, seconds(now)).int64Field(2, 0)
                            .stringField(3, FILE_VERSION).toByteArray());
                    return w;
                } catch (FileAlreadyExistsException e) {
                    // another writer started in the same second: try the next suffix
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a TensorBoard event file in " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    /** A writer for {@code runDir/tensorboard/}. */
    public static TensorBoardWriter inRunDir(Path runDir) {
        return create(runDir.resolve(DIR_NAME));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static double seconds(Instant t) {
        return t.getEpochSecond() + t.getNano() / 1e9;
    }

    /** Writes one scalar. */
    public void addScalar(String tag, double value, long step, Instant time) {
        addScalars(Map.of(tag, value), step, time);
    }

    /** Writes several scalars of one step as one Event with one Summary. */
    public void addScalars(Map<String, Double> values, long step, Instant time) {
        Protobuf summary = new Protobuf();
        for (Map.Entry<String, Double> e : values.entrySet()) {
            byte[] v = new Protobuf().stringField(1, e.getKey()).floatField(2, e.getValue().floatValue())
                    .toByteArray();
            summary.bytesField(1, v);
        }
        write(new Protobuf().doubleField(1, seconds(time)).int64Field(2, step)
                .bytesField(5, summary.toByteArray()).toByteArray());
    }

    @Override
    public void onMetrics(Metrics metrics) {
        if (!metrics.values().isEmpty()) {
            addScalars(metrics.values(), metrics.step(), metrics.time());
        }
    }

    private synchronized void write(byte[] event) {
        try {
            ByteBuffer b = ByteBuffer.wrap(TfRecord.frame(event));
            while (b.hasRemaining()) {
                channel.write(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + file + ": " + e.getMessage(), e);
        }
    }

    /** The event file. */
    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() throws IOException {
        if (channel.isOpen()) {
            channel.force(true);
            channel.close();
        }
    }
}
