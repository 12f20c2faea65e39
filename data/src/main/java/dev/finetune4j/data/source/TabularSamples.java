package dev.finetune4j.data.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.data.DataFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * Parquet and CSV files read row by row through embedded DuckDB (docs/hub.md "Parquet and CSV data"): each row
 * becomes the same JSON record a JSONL line would be (columns = keys, a list of structs = a list of objects), so
 * the JSONL parsers and validation rules apply unchanged. Results are streamed (DuckDB's
 * {@code jdbc_stream_results}), one thread, a bounded memory limit, no temporary files, no extension downloads. In CSV, which has no
 * nesting, a {@code messages} cell holds the list as JSON text. Problems are reported as {@code file:row: reason}
 * with the 1-based data row (a CSV header is not counted).
 */
final class TabularSamples implements SampleReader.FileSamples {

    static final Set<String> FORMATS = Set.of("parquet", "csv");
    /** CSV columns whose text is a JSON list (CSV cannot nest). */
    private static final Set<String> JSON_TEXT_COLUMNS = Set.of("messages");
    private final Path file;
    private final boolean csv;
    private final SampleReader.RecordHandler parser;
    private final boolean requireRows;
    private final Connection connection;
    private final Statement statement;
    private final ResultSet rows;
    private long row;

    TabularSamples(Path file, String ext, SampleReader.RecordHandler parser, boolean requireRows) throws IOException {
        this.file = file;
        this.csv = ext.equals("csv");
        this.parser = parser;
        this.requireRows = requireRows;
        String name = file.toAbsolutePath().toString();
        if (name.indexOf('*') >= 0 || name.indexOf('?') >= 0 || name.indexOf('[') >= 0 || name.indexOf('{') >= 0) {
            throw new DataFormatException(file, "a ." + ext + " file name must not contain * ? [ or { (DuckDB reads them as patterns); rename it");
        }
        String literal = "'" + name.replace("'", "''") + "'";
        String source = csv ? "read_csv(" + literal + ", header = true, all_varchar = true)" : "read_parquet(" + literal + ")";
        Connection c = null;
        Statement s = null;
        try {
            c = new org.duckdb.DuckDBDriver().connect("jdbc:duckdb:", settings());
            s = c.createStatement();
            this.rows = s.executeQuery("SELECT to_json(t)::VARCHAR FROM " + source + " t");
        } catch (SQLException | RuntimeException e) {
            closeQuietly(s, c);
            throw new DataFormatException(file, "cannot read as " + (csv ? "CSV" : "Parquet") + ": " + firstLine(e), e);
        }
        this.connection = c;
        this.statement = s;
    }

    private static Properties settings() {
        Properties p = new Properties();
        p.setProperty("jdbc_stream_results", "true");
        p.setProperty("threads", "1");
        p.setProperty("memory_limit", "512MB");
        p.setProperty("autoinstall_known_extensions", "false");
        p.setProperty("autoload_known_extensions", "false");
        p.setProperty("temp_directory", ""); // never spill into a .tmp folder of the working directory
        return p;
    }

    @Override
    public ReadSample next() throws IOException {
        String json;
        try {
            if (!rows.next()) {
                if (row == 0 && requireRows) {
                    throw new DataFormatException(file, "holds no rows");
                }
                return null;
            }
            row++;
            json = rows.getString(1);
        } catch (SQLException e) {
            throw new DataFormatException(file, "row " + (row + 1) + ": cannot read: " + firstLine(e), e);
        }
        JsonNode record;
        try {
            record = Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            return new ReadSample(file, row, null, List.of("row cannot be turned into a record: " + e.getOriginalMessage()), true);
        }
        if (csv && record instanceof ObjectNode o) {
            for (String key : JSON_TEXT_COLUMNS) {
                JsonNode v = o.get(key);
                if (v != null && v.isTextual() && v.asText().stripLeading().startsWith("[")) {
                    try {
                        o.set(key, Json.MAPPER.readTree(v.asText()));
                    } catch (JsonProcessingException e) {
                        return new ReadSample(file, row, null, List.of("column '" + key + "' is not a valid JSON list: "
                                + e.getOriginalMessage()), true);
                    }
                }
            }
        }
        return parser.parse(file, row, record);
    }

    /**
     * DuckDB's error as one line: with streamed results its message starts with a generic line ("unsuccessful or
     * closed pending query result") and holds the real error after {@code Error: }, followed by hints and the
     * reader's settings; keep the real error's first paragraph, without the echoed row and the hints.
     */
    static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage()).replace("\r", "");
        int real = m.lastIndexOf("\nError: ");
        if (real >= 0) {
            m = m.substring(real + "\nError: ".length());
        }
        StringBuilder out = new StringBuilder();
        for (String line : m.strip().split("\n")) {
            String l = line.strip();
            if (l.isEmpty()) {
                break;
            }
            if (l.startsWith("Original Line:") || l.startsWith("Possible Solution")) {
                continue;
            }
            out.append(out.length() == 0 ? "" : " ").append(l);
        }
        return out.length() > 400 ? out.substring(0, 400) + "…" : out.toString();
    }

    private static void closeQuietly(Statement s, Connection c) {
        try {
            if (s != null) {
                s.close();
            }
            if (c != null) {
                c.close();
            }
        } catch (SQLException ignored) {
            // already failing; the first error is the one to report
        }
    }

    @Override
    public void close() throws IOException {
        try {
            rows.close();
            statement.close();
            connection.close();
        } catch (SQLException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }
}
