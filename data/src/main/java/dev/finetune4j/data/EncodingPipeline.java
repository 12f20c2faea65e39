package dev.finetune4j.data;

import dev.finetune4j.data.encode.EncodeResult;
import dev.finetune4j.data.encode.ExampleEncoder;
import dev.finetune4j.data.source.ReadSample;
import dev.finetune4j.data.source.SampleReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Reads samples, encodes them on {@code workers} threads and hands them to a {@link SplitBuilder} in input order,
 * so the output does not depend on the number of workers. Samples travel in blocks; the next block is read while
 * the previous one is being encoded.
 */
final class EncodingPipeline {

    private static final int BLOCK = 256;

    private EncodingPipeline() {
    }

    static void run(SampleReader reader, ExampleEncoder encoder, SplitBuilder sink, int workers,
                    BooleanSupplier stop) throws IOException {
        if (workers <= 1) {
            while (reader.hasNext()) {
                checkStop(stop);
                ReadSample s = reader.next();
                sink.accept(s, s.valid() ? encoder.encode(s.example()) : null);
            }
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "finetune4j-tokenize");
            t.setDaemon(true);
            return t;
        });
        try {
            List<ReadSample> block = readBlock(reader);
            List<Future<EncodeResult[]>> running = submit(pool, encoder, block, workers);
            while (!block.isEmpty()) {
                checkStop(stop);
                List<ReadSample> nextBlock = readBlock(reader);
                List<Future<EncodeResult[]>> nextRunning = submit(pool, encoder, nextBlock, workers);
                int i = 0;
                for (Future<EncodeResult[]> part : running) {
                    for (EncodeResult r : get(part)) {
                        sink.accept(block.get(i++), r);
                    }
                }
                block = nextBlock;
                running = nextRunning;
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void checkStop(BooleanSupplier stop) {
        if (stop.getAsBoolean()) {
            throw new PreparationStoppedException("data preparation stopped on request");
        }
    }

    private static List<ReadSample> readBlock(SampleReader reader) {
        List<ReadSample> block = new ArrayList<>(BLOCK);
        while (block.size() < BLOCK && reader.hasNext()) {
            block.add(reader.next());
        }
        return block;
    }

    /** One task per worker, each encoding a contiguous slice of the block. */
    private static List<Future<EncodeResult[]>> submit(ExecutorService pool, ExampleEncoder encoder,
                                                       List<ReadSample> block, int workers) {
        List<Future<EncodeResult[]>> out = new ArrayList<>(workers);
        int per = (block.size() + workers - 1) / workers;
        for (int from = 0; from < block.size(); from += per) {
            List<ReadSample> slice = block.subList(from, Math.min(block.size(), from + per));
            out.add(pool.submit(() -> {
                EncodeResult[] r = new EncodeResult[slice.size()];
                for (int i = 0; i < r.length; i++) {
                    ReadSample s = slice.get(i);
                    r[i] = s.valid() ? encoder.encode(s.example()) : null;
                }
                return r;
            }));
        }
        return out;
    }

    private static EncodeResult[] get(Future<EncodeResult[]> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while tokenizing", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("tokenizing failed: " + c, c);
        }
    }
}
