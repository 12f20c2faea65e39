package dev.finetune4j.data.source;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.finetune4j.data.DataFormatException;
import dev.finetune4j.data.Problem;
import dev.finetune4j.data.TaskType;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Streams the samples of a data path one at a time (a 10 GB JSONL is never held whole): JSONL line by line,
 * a {@code .json} file holding an array of records element by element, .txt files in pieces, Parquet and CSV
 * row by row ({@link TabularSamples}). Invalid samples come
 * out as {@link ReadSample}s with reasons; blank lines and ignored files become {@link #notes()}.
 * Files that cannot be read at all raise {@link DataFormatException}.
 */
public final class SampleReader implements Iterator<ReadSample>, Closeable {
    /**
     * The maximum size of one record (a JSONL line; a string inside a {@code .json} array): 32 MiB. A longer JSONL
     * line is an invalid sample named by file:line, skipped without being held in memory.
     */
    public static final int MAX_RECORD_BYTES = 32 << 20;

    private final List<Path> files;
    private final TaskType taskType;
    private final RecordHandler parser;
    private final boolean validate;
    private final List<Problem> notes = new ArrayList<>();
    private int fileIndex = -1;
    private FileSamples current;
    private ReadSample pending;

    private SampleReader(Path path, TaskType taskType, boolean validate, RecordHandler parser) {
        this.files = InputFiles.resolve(path, taskType, notes);
        this.taskType = taskType;
        this.validate = validate;
        this.parser = parser;
    }

    /** Turns one JSON record into a sample. */
    interface RecordHandler {
        ReadSample parse(Path file, long line, JsonNode record);

        /** The document index of the next .txt file. */
        default int nextDocument() {
            return 0;
        }
    }

    /**
     * Opens a data path.
     *
     * @param path        file or folder
     * @param taskType    picks the record parser
     * @param validate    apply the validation rules ({@code validate_inputs})
     * @param allowSystem whether chat system messages are allowed (false for Mistral-family templates)
     */
    public static SampleReader open(Path path, TaskType taskType, boolean validate, boolean allowSystem) {
        return new SampleReader(path, taskType, validate, new RecordParser(taskType, validate, allowSystem));
    }

    /** Opens a JSON/JSONL path whose records another parser turns into samples (format conversion). */
    static SampleReader open(Path path, TaskType taskType, RecordHandler handler) {
        return new SampleReader(path, taskType, true, handler);
    }

    /** The files being read, in order. */
    public List<Path> files() {
        return files;
    }

    /** Blank lines and ignored folder entries seen so far. */
    public List<Problem> notes() {
        return notes;
    }

    @Override
    public boolean hasNext() {
        try {
            while (pending == null) {
                if (current != null) {
                    pending = current.next();
                    if (pending != null) {
                        break;
                    }
                    current.close();
                    current = null;
                }
                if (++fileIndex >= files.size()) {
                    return false;
                }
                current = openFile(files.get(fileIndex));
            }
            return true;
        } catch (IOException e) {
            Path f = fileIndex < files.size() ? files.get(fileIndex) : null;
            throw new DataFormatException(f, "cannot read: " + e, e);
        }
    }

    @Override
    public ReadSample next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        ReadSample s = pending;
        pending = null;
        return s;
    }

    @Override
    public void close() {
        if (current != null) {
            try {
                current.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private FileSamples openFile(Path file) throws IOException {
        String ext = InputFiles.extension(file);
        if (ext.equals("txt")) {
            return new TextFileSamples(file, parser.nextDocument(), validate);
        }
        if (TabularSamples.FORMATS.contains(ext)) {
            return new TabularSamples(file, ext, parser, taskType != TaskType.CONTINUED_PRETRAIN);
        }
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(4096);
        int first = firstNonWhitespace(in);
        in.reset();
        if (ext.equals("json") && first == '[') {
            return new JsonArraySamples(file, in);
        }
        if (ext.equals("json") && first != '{') {
            in.close();
            throw new DataFormatException(file, "a .json data file must hold one array of records or JSON lines");
        }
        return new JsonLineSamples(file, in);
    }

    private static int firstNonWhitespace(InputStream in) throws IOException {
        int b;
        int n = 0;
        do {
            b = in.read();
            n++;
        } while (n < 4000 && (b == ' ' || b == '\n' || b == '\r' || b == '\t' || b == 0xEF || b == 0xBB || b == 0xBF));
        return b;
    }

    /** The samples of one file. */
    interface FileSamples extends Closeable {
        /** The next sample, or null at end of file. */
        ReadSample next() throws IOException;
    }

    /** JSON lines: one record per line, each checked on its own. */
    private final class JsonLineSamples implements FileSamples {
        private final Path file;
        private final LineReader lines;
        private long records;

        JsonLineSamples(Path file, InputStream in) throws IOException {
            this.file = file;
            this.lines = new LineReader(in, MAX_RECORD_BYTES);
        }

        @Override
        public ReadSample next() throws IOException {
            while (lines.next()) {
                long line = lines.lineNumber();
                if (lines.tooLong()) {
                    records++;
                    return invalid(line, "the record is " + lines.fullLength() + " bytes; the maximum record size is "
                            + MAX_RECORD_BYTES + " bytes (" + (MAX_RECORD_BYTES >> 20) + " MiB)");
                }
                if (lines.blank()) {
                    notes.add(new Problem(file, line, "blank line skipped"));
                    continue;
                }
                records++;
                try {
                    Utf8.check(lines.bytes(), lines.length());
                } catch (Utf8.InvalidUtf8 e) {
                    return invalid(line, e.getMessage());
                }
                JsonNode node;
                try {
                    node = Json.MAPPER.readTree(lines.bytes(), 0, lines.length()); // no decoded copy of the line
                    lines.release();
                } catch (JsonProcessingException e) {
                    return invalid(line, "not valid JSON: " + e.getOriginalMessage());
                }
                return parser.parse(file, line, node);
            }
            if (records == 0 && taskType != TaskType.CONTINUED_PRETRAIN) {
                throw new DataFormatException(file, "holds no records (only blank lines)");
            }
            return null;
        }

        private ReadSample invalid(long line, String reason) {
            return new ReadSample(file, line, null, List.of(reason), true);
        }

        @Override
        public void close() throws IOException {
            lines.close();
        }
    }

    /** A {@code .json} file holding one array of records. */
    private final class JsonArraySamples implements FileSamples {
        private final Path file;
        private final JsonParser json;
        private final InputStream in;

        JsonArraySamples(Path file, InputStream in) throws IOException {
            this.file = file;
            this.in = in;
            this.json = Json.MAPPER.createParser(in);
            try {
                if (json.nextToken() != JsonToken.START_ARRAY) {
                    throw new DataFormatException(file, "a .json data file must hold one array of records or JSON lines");
                }
            } catch (JsonProcessingException e) {
                throw new DataFormatException(file, "line " + e.getLocation().getLineNr() + ": not valid JSON: " + e.getOriginalMessage(), e);
            }
        }

        @Override
        public ReadSample next() throws IOException {
            try {
                JsonToken t = json.nextToken();
                if (t == JsonToken.END_ARRAY || t == null) {
                    if (t == JsonToken.END_ARRAY && json.nextToken() != null) {
                        throw new DataFormatException(file, "line " + json.currentLocation().getLineNr() + ": content after the closing ']'");
                    }
                    return null;
                }
                long line = json.currentTokenLocation().getLineNr();
                JsonNode node = Json.ELEMENT_READER.readValue(json);
                return parser.parse(file, line, node);
            } catch (JsonProcessingException e) {
                throw new DataFormatException(file, "line " + (e.getLocation() == null ? "?" : e.getLocation().getLineNr())
                        + ": not valid JSON (or not UTF-8): " + e.getOriginalMessage(), e);
            }
        }

        @Override
        public void close() throws IOException {
            json.close();
            in.close();
        }
    }
}
