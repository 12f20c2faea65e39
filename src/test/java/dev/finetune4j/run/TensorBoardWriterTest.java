package dev.finetune4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.engine.event.Metrics;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decodes the written file with an independent TFRecord/protobuf reader and a bitwise CRC-32C. */
class TensorBoardWriterTest {
    private static final Instant T0 = Instant.parse("2026-11-23T15:00:00.250Z");

    @TempDir
    Path dir;

    /** Bitwise CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), independent of java.util.zip. */
    static int crc32c(byte[] b, int off, int len) {
        int crc = 0xFFFFFFFF;
        for (int i = off; i < off + len; i++) {
            crc ^= b[i] & 0xFF;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
            }
        }
        return ~crc;
    }

    static int masked(int crc) {
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    record Value(String tag, float simpleValue) { }

    record Event(double wallTime, long step, String fileVersion, List<Value> values) { }

    static List<Event> read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<Event> out = new ArrayList<>();
        while (b.hasRemaining()) {
            byte[] header = new byte[8];
            b.get(header);
            long len = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(masked(crc32c(header, 0, 8)), b.getInt(), "length crc");
            byte[] data = new byte[(int) len];
            b.get(data);
            assertEquals(masked(crc32c(data, 0, data.length)), b.getInt(), "data crc");
            out.add(parseEvent(ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN)));
        }
        return out;
    }

    static long varint(ByteBuffer b) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            int x = b.get() & 0xFF;
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
    }

    static ByteBuffer sub(ByteBuffer b) {
        int n = (int) varint(b);
        ByteBuffer s = b.slice().order(ByteOrder.LITTLE_ENDIAN);
        s.limit(n);
        b.position(b.position() + n);
        return s;
    }

    static Event parseEvent(ByteBuffer b) {
        double wall = 0;
        long step = 0;
        String version = null;
        List<Value> values = new ArrayList<>();
        while (b.hasRemaining()) {
            long tag = varint(b);
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field == 1 && wire == 1) {
                wall = b.getDouble();
            } else if (field == 2 && wire == 0) {
                step = varint(b);
            } else if (field == 3 && wire == 2) {
                ByteBuffer s = sub(b);
                byte[] bytes = new byte[s.remaining()];
                s.get(bytes);
                version = new String(bytes, StandardCharsets.UTF_8);
            } else if (field == 5 && wire == 2) {
                ByteBuffer summary = sub(b);
                while (summary.hasRemaining()) {
                    assertEquals((1 << 3) | 2, varint(summary), "Summary.value");
                    ByteBuffer v = sub(summary);
                    String name = null;
                    float val = Float.NaN;
                    while (v.hasRemaining()) {
                        long t = varint(v);
                        if (t == ((1 << 3) | 2)) {
                            ByteBuffer s = sub(v);
                            byte[] bytes = new byte[s.remaining()];
                            s.get(bytes);
                            name = new String(bytes, StandardCharsets.UTF_8);
                        } else if (t == ((2 << 3) | 5)) {
                            val = v.getFloat();
                        } else {
                            throw new AssertionError("unexpected Summary.Value tag " + t);
                        }
                    }
                    values.add(new Value(name, val));
                }
            } else {
                throw new AssertionError("unexpected Event field " + field + " wire " + wire);
            }
        }
        return new Event(wall, step, version, values);
    }

    @Test
    void crcOfTheStandardCheckString() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xE3069283, crc32c(check, 0, check.length));
        assertEquals(masked(0xE3069283), TfRecord.maskedCrc32c(check, 0, check.length));
    }

    @Test
    void writesFileVersionThenScalarSummaries() throws IOException {
        Path file;
        try (TensorBoardWriter w = TensorBoardWriter.create(dir, T0, "host1")) {
            file = w.file();
            Map<String, Double> v = new LinkedHashMap<>();
            v.put("loss/train", 2.5);
            v.put("lr", 1e-5);
            w.onMetrics(new Metrics(1, T0.plusSeconds(1), v));
            w.addScalar("loss/eval", 1.75, 300, T0.plusSeconds(2));
        }
        assertEquals("events.out.tfevents.1795446000.host1", file.getFileName().toString());
        List<Event> events = read(file);
        assertEquals(3, events.size());
        assertEquals("brain.Event:2", events.get(0).fileVersion());
        assertEquals(1795446000.25, events.get(0).wallTime());
        assertEquals(List.of(), events.get(0).values());
        assertEquals(1, events.get(1).step());
        assertEquals(List.of(new Value("loss/train", 2.5f), new Value("lr", 1e-5f)), events.get(1).values());
        assertEquals(1795446001.25, events.get(1).wallTime());
        assertEquals(300, events.get(2).step());
        assertEquals(List.of(new Value("loss/eval", 1.75f)), events.get(2).values());
    }

    @Test
    void secondWriterInTheSameSecondGetsItsOwnFile() throws IOException {
        try (TensorBoardWriter a = TensorBoardWriter.create(dir, T0, "h");
             TensorBoardWriter b = TensorBoardWriter.create(dir, T0, "h")) {
            assertEquals("events.out.tfevents.1795446000.h.1", b.file().getFileName().toString());
            assertTrue(!a.file().equals(b.file()));
        }
    }

    @Test
    void tensorboardReadsItWhenInstalled() throws Exception {
        String py = "/usr/bin/python3";
        boolean hasTb = new File(py).canExecute() && new ProcessBuilder(py, "-c", "import tensorboard")
                .redirectErrorStream(true).start().waitFor() == 0;
        if (!hasTb) {
            System.out.println("SKIP tensorboardReadsItWhenInstalled: " + py + " has no 'tensorboard' package");
        }
        Assumptions.assumeTrue(hasTb, "python3 has no tensorboard package");
        Path file;
        try (TensorBoardWriter w = TensorBoardWriter.create(dir, T0, "h")) {
            file = w.file();
            w.addScalar("loss/train", 0.5, 7, T0);
        }
        String script = "import sys\nfrom tensorboard.backend.event_processing.event_file_loader import"
                + " EventFileLoader\nfor e in EventFileLoader(sys.argv[1]).Load():\n"
                + "    for v in e.summary.value: print(e.step, v.tag, v.tensor.float_val or v.simple_value)\n";
        Process p = new ProcessBuilder(py, "-c", script, file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(out.contains("7 loss/train"), out);
    }
}
