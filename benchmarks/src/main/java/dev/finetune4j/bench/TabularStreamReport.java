package dev.finetune4j.bench;

import dev.finetune4j.data.TaskType;
import dev.finetune4j.data.source.ReadSample;
import dev.finetune4j.data.source.SampleReader;
import dev.finetune4j.data.source.TextChunk;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Properties;

/**
 * Reads a Parquet file through the data module's reader (DuckDB, streamed) and the same rows as JSONL, in one
 * JVM, and prints rows, seconds and peak heap for each: run it with a heap far smaller than the data to show that
 * Parquet rows are streamed, not materialised (docs/hub.md "Parquet and CSV data").
 *
 * <pre>java -Xmx48m -cp benchmarks/target/benchmarks.jar dev.finetune4j.bench.TabularStreamReport [rows]</pre>
 */
public final class TabularStreamReport {

    private TabularStreamReport() {
    }

    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
        Path dir = Files.createTempDirectory("tabular-stream");
        Path parquet = dir.resolve("text.parquet");
        Path jsonl = dir.resolve("text.jsonl");
        try (Connection c = new org.duckdb.DuckDBDriver().connect("jdbc:duckdb:", new Properties());
             Statement s = c.createStatement()) {
            String select = "SELECT 'document ' || i || ' ' || repeat('lorem ipsum ', 20) AS text FROM range(" + rows + ") r(i)";
            s.execute("COPY (" + select + ") TO '" + parquet + "' (FORMAT parquet)");
            s.execute("COPY (" + select + ") TO '" + jsonl + "' (FORMAT json)");
        }
        System.out.printf("heap limit %d MiB; parquet %d MiB, jsonl %d MiB on disk%n", Runtime.getRuntime().maxMemory() >> 20,
                Files.size(parquet) >> 20, Files.size(jsonl) >> 20);
        read("jsonl (baseline)", jsonl);
        read("parquet", parquet);
        Files.delete(parquet);
        Files.delete(jsonl);
        Files.delete(dir);
    }

    private static void read(String label, Path file) {
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
        long t0 = System.nanoTime();
        long n = 0;
        long chars = 0;
        try (SampleReader r = SampleReader.open(file, TaskType.CONTINUED_PRETRAIN, true, true)) {
            while (r.hasNext()) {
                ReadSample s = r.next();
                n++;
                chars += ((TextChunk) s.example()).text().length();
            }
        }
        long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.out.printf("%-17s rows=%d chars=%d seconds=%.1f peak heap (sum of pool peaks)=%d MiB%n", label, n, chars,
                (System.nanoTime() - t0) / 1e9, peak >> 20);
    }
}
