package dev.finetune4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory-mapped corpus reads back exactly what was written, also across mapping segments. */
class MappedCorpusTest {

    @TempDir
    Path dir;

    @Test
    void mappedCorpusEqualsTheInMemoryOne() throws Exception {
        SplittableRandom rnd = new SplittableRandom(5);
        MemoryCorpus memory = PackingInvariantsTest.randomCorpus(rnd, 200, 50, new ArrayList<>(), new ArrayList<>());
        CorpusWriter writer = MappedCorpus.writer(dir.resolve("c"));
        for (int e = 0; e < memory.size(); e++) {
            int[] ids = new int[memory.length(e)];
            int[] labels = new int[ids.length];
            memory.readIds(e, ids, 0);
            memory.readLabels(e, labels, 0);
            writer.add(ids, labels);
        }
        writer.finish();
        for (int segment : new int[] {7, 64, 1 << 20}) {
            MappedCorpus mapped = MappedCorpus.open(dir.resolve("c"), segment);
            assertEquals(memory.size(), mapped.size());
            for (int e = 0; e < memory.size(); e++) {
                int len = memory.length(e);
                assertEquals(len, mapped.length(e));
                assertEquals(memory.lossTokens(e), mapped.lossTokens(e));
                int[] a = new int[len + 2];
                int[] b = new int[len + 2];
                memory.readIds(e, a, 1);
                mapped.readIds(e, b, 1);
                assertArrayEquals(a, b);
                memory.readLabels(e, a, 1);
                mapped.readLabels(e, b, 1);
                assertArrayEquals(a, b);
            }
        }
    }
}
