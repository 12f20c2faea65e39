package dev.finetune4j.distributed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import dev.finetune4j.engine.kernel.KernelLibrary;
import java.util.ArrayList;
import java.util.List;

/**
 * Bucketed all-reduce: arrays are flattened into buckets of at most {@code bucketBytes} (one dtype per bucket), each
 * bucket is summed across the ranks in one all-reduce (all buckets in flight together), and the sums are copied into
 * the targets (docs/distributed.md).
 */
@SuppressWarnings("try") // NDScope blocks are used for what they free on close
final class Buckets {
    private Buckets() {
    }

    /**
     * Writes the cross-rank sum of {@code sources[i]} into {@code targets[i]} (same shapes and dtypes; a source may
     * be its target). {@code extra} arrays (small scalars) are summed in place along with the buckets.
     */
    static void allReduce(ProcessGroup group, List<NDArray> targets, List<NDArray> sources, long bucketBytes,
                          List<NDArray> extra) {
        try (NDScope scope = new NDScope()) {
            List<List<Integer>> buckets = new ArrayList<>();
            List<Integer> current = new ArrayList<>();
            long bytes = 0;
            for (int i = 0; i < sources.size(); i++) {
                NDArray s = sources.get(i);
                long b = s.size() * s.getDataType().getNumOfBytes();
                if (!current.isEmpty() && (bytes + b > bucketBytes
                        || s.getDataType() != sources.get(current.get(0)).getDataType())) {
                    buckets.add(current);
                    current = new ArrayList<>();
                    bytes = 0;
                }
                current.add(i);
                bytes += b;
            }
            if (!current.isEmpty()) {
                buckets.add(current);
            }
            List<NDArray> flat = new ArrayList<>(buckets.size() + extra.size());
            for (List<Integer> bucket : buckets) {
                NDList parts = new NDList(bucket.size());
                for (int i : bucket) {
                    parts.add(sources.get(i).reshape(-1));
                }
                flat.add(parts.size() == 1 ? parts.get(0).duplicate() : NDArrays.concat(parts));
            }
            flat.addAll(extra);
            group.allReduceSum(flat);
            for (int b = 0; b < buckets.size(); b++) {
                long offset = 0;
                for (int i : buckets.get(b)) {
                    NDArray t = targets.get(i);
                    NDArray part = flat.get(b).get(new NDIndex("{}:{}", offset, offset + t.size()));
                    KernelLibrary.of(t).copyInto(t, part.reshape(t.getShape()));
                    offset += t.size();
                }
            }
        }
    }
}
