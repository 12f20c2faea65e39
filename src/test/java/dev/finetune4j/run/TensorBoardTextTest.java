package dev.finetune4j.run;

import dev.finetune4j.engine.event.EventType;
import dev.finetune4j.engine.event.RunEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eval-prompt samples as TensorBoard text summaries, decoded field by field as TensorBoard's text plugin reads them:
 * Summary.Value{tag, metadata.plugin_data.plugin_name = "text", tensor{dtype DT_STRING, shape [n, 2], string_val}}.
 */
class TensorBoardTextTest {
    private static final Instant T0 = Instant.parse("2026-11-23T15:00:00Z");

    @TempDir
    Path dir;

    /** One decoded text Value. */
    record TextValue(String tag, String pluginName, byte[] pluginContent, long dataClass, long dtype,
                     List<Long> shape, List<String> strings) {
    }

    /** The summary values of each event after the file_version record, each as its raw protobuf bytes. */
    private static List<ByteBuffer> summaryValues(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<ByteBuffer> out = new ArrayList<>();
        while (b.hasRemaining()) {
            byte[] header = new byte[8];
            b.get(header);
            long len = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(TensorBoardWriterTest.masked(TensorBoardWriterTest.crc32c(header, 0, 8)), b.getInt());
            byte[] data = new byte[(int) len];
            b.get(data);
            assertEquals(TensorBoardWriterTest.masked(TensorBoardWriterTest.crc32c(data, 0, data.length)), b.getInt());
            ByteBuffer e = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            while (e.hasRemaining()) {
                long tag = TensorBoardWriterTest.varint(e);
                switch ((int) tag) {
                    case (1 << 3) | 1 -> e.getDouble();
                    case (2 << 3) -> TensorBoardWriterTest.varint(e);
                    case (3 << 3) | 2 -> TensorBoardWriterTest.sub(e);
                    case (5 << 3) | 2 -> {
                        ByteBuffer summary = TensorBoardWriterTest.sub(e);
                        while (summary.hasRemaining()) {
                            assertEquals((1 << 3) | 2, TensorBoardWriterTest.varint(summary), "Summary.value");
                            out.add(TensorBoardWriterTest.sub(summary));
                        }
                    }
                    default -> throw new AssertionError("unexpected Event tag " + tag);
                }
            }
        }
        return out;
    }

    private static String text(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static TextValue decode(ByteBuffer v) {
        String tag = null;
        String plugin = null;
        byte[] content = null;
        long dataClass = 0;
        long dtype = -1;
        List<Long> shape = new ArrayList<>();
        List<String> strings = new ArrayList<>();
        while (v.hasRemaining()) {
            long t = TensorBoardWriterTest.varint(v);
            if (t == ((1 << 3) | 2)) {
                tag = text(TensorBoardWriterTest.sub(v));
            } else if (t == ((9 << 3) | 2)) { // SummaryMetadata
                ByteBuffer m = TensorBoardWriterTest.sub(v);
                while (m.hasRemaining()) {
                    long mt = TensorBoardWriterTest.varint(m);
                    if (mt == ((1 << 3) | 2)) { // PluginData
                        ByteBuffer pd = TensorBoardWriterTest.sub(m);
                        while (pd.hasRemaining()) {
                            long pt = TensorBoardWriterTest.varint(pd);
                            ByteBuffer f = TensorBoardWriterTest.sub(pd);
                            if (pt == ((1 << 3) | 2)) {
                                plugin = text(f);
                            } else if (pt == ((2 << 3) | 2)) {
                                content = new byte[f.remaining()];
                                f.get(content);
                            } else {
                                throw new AssertionError("unexpected PluginData tag " + pt);
                            }
                        }
                    } else if (mt == (4 << 3)) {
                        dataClass = TensorBoardWriterTest.varint(m);
                    } else {
                        throw new AssertionError("unexpected SummaryMetadata tag " + mt);
                    }
                }
            } else if (t == ((8 << 3) | 2)) { // TensorProto
                ByteBuffer tp = TensorBoardWriterTest.sub(v);
                while (tp.hasRemaining()) {
                    long tt = TensorBoardWriterTest.varint(tp);
                    if (tt == (1 << 3)) {
                        dtype = TensorBoardWriterTest.varint(tp);
                    } else if (tt == ((2 << 3) | 2)) {
                        ByteBuffer sh = TensorBoardWriterTest.sub(tp);
                        while (sh.hasRemaining()) {
                            assertEquals((2 << 3) | 2, TensorBoardWriterTest.varint(sh), "TensorShapeProto.dim");
                            ByteBuffer dim = TensorBoardWriterTest.sub(sh);
                            assertEquals(1 << 3, TensorBoardWriterTest.varint(dim), "Dim.size");
                            shape.add(TensorBoardWriterTest.varint(dim));
                        }
                    } else if (tt == ((8 << 3) | 2)) {
                        strings.add(text(TensorBoardWriterTest.sub(tp)));
                    } else {
                        throw new AssertionError("unexpected TensorProto tag " + tt);
                    }
                }
            } else {
                throw new AssertionError("unexpected Summary.Value tag " + t);
            }
        }
        return new TextValue(tag, plugin, content, dataClass, dtype, shape, strings);
    }

    private static Map<String, String> sample(String prompt, String completion) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("prompt", prompt);
        m.put("completion", completion);
        return m;
    }

    @Test
    void samplesEventBecomesATextPluginTable() throws IOException {
        Path file;
        try (TensorBoardWriter w = TensorBoardWriter.create(dir, T0, "h")) {
            file = w.file();
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("trigger", "checkpoint");
            fields.put("samples", List.of(sample("What is 2+2?", "4 ✓"), sample("Hi", "")));
            w.onEvent(new RunEvent(EventType.SAMPLES, T0.plusSeconds(3), 12, fields));
            w.onEvent(new RunEvent(EventType.EVAL, T0, 12, Map.of("val_loss", 1.0))); // not text
        }
        List<ByteBuffer> values = summaryValues(file);
        assertEquals(1, values.size());
        TextValue v = decode(values.get(0));
        assertEquals("eval_prompts", v.tag());
        assertEquals("text", v.pluginName());
        assertEquals(0, v.pluginContent().length, "TextPluginData version 0 serializes to no bytes");
        assertEquals(2, v.dataClass(), "DATA_CLASS_TENSOR");
        assertEquals(7, v.dtype(), "DT_STRING");
        assertEquals(List.of(2L, 2L), v.shape());
        assertEquals(List.of("What is 2+2?", "4 ✓", "Hi", ""), v.strings());
    }

    @Test
    void raggedTablesAreRefused() {
        try (TensorBoardWriter w = TensorBoardWriter.create(dir, T0, "h")) {
            assertThrows(IllegalArgumentException.class, () -> w.addTextTable("t", List.of(List.of("a", "b"),
                    List.of("c")), 1, T0));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
