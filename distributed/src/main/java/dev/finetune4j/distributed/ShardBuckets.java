package dev.finetune4j.distributed;

import ai.djl.ndarray.types.DataType;
import dev.finetune4j.engine.model.TrainableParameter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ZeRO-1's communication layout (docs/distributed.md, "ZeRO-1"): the trainable tensors, each owned by one rank, are
 * packed into buckets of one dtype. A bucket holds one segment per rank (that rank's next owned tensors, flattened,
 * at most {@code bucketBytes / world} bytes unless one tensor is larger) padded to the bucket's segment length, so a
 * bucket's flat buffer is {@code world × segmentLength} elements with rank r's segment at {@code r × segmentLength}:
 * the shape c10d's reduce-scatter and all-gather take. The same layout on every rank (no communication).
 */
final class ShardBuckets {
    private ShardBuckets() {
    }

    /**
     * @param dtype         the bucket's element type
     * @param segments      per rank, the tensors in its segment, in order
     * @param segmentLength elements per rank segment (the longest segment; shorter ones are zero-padded)
     */
    record Bucket(DataType dtype, List<List<TrainableParameter>> segments, long segmentLength) {
        long padding(int rank) {
            long used = 0;
            for (TrainableParameter p : segments.get(rank)) {
                used += p.array().size();
            }
            return segmentLength - used;
        }
    }

    /** The buckets for {@code params} with owners {@code owner[i]} (parallel to {@code params}). */
    static List<Bucket> plan(List<TrainableParameter> params, int[] owner, int world, long bucketBytes) {
        Map<DataType, List<ArrayDeque<TrainableParameter>>> byType = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            TrainableParameter p = params.get(i);
            List<ArrayDeque<TrainableParameter>> queues = byType.computeIfAbsent(p.array().getDataType(), t -> {
                List<ArrayDeque<TrainableParameter>> q = new ArrayList<>();
                for (int r = 0; r < world; r++) {
                    q.add(new ArrayDeque<>());
                }
                return q;
            });
            queues.get(owner[i]).add(p);
        }
        List<Bucket> out = new ArrayList<>();
        for (Map.Entry<DataType, List<ArrayDeque<TrainableParameter>>> e : byType.entrySet()) {
            long capElements = Math.max(1, bucketBytes / world / e.getKey().getNumOfBytes());
            List<ArrayDeque<TrainableParameter>> queues = e.getValue();
            while (queues.stream().anyMatch(q -> !q.isEmpty())) {
                List<List<TrainableParameter>> segments = new ArrayList<>();
                long longest = 0;
                for (ArrayDeque<TrainableParameter> q : queues) {
                    List<TrainableParameter> seg = new ArrayList<>();
                    long n = 0;
                    while (!q.isEmpty() && (seg.isEmpty() || n + q.peek().array().size() <= capElements)) {
                        TrainableParameter p = q.poll();
                        n += p.array().size();
                        seg.add(p);
                    }
                    segments.add(seg);
                    longest = Math.max(longest, n);
                }
                out.add(new Bucket(e.getKey(), segments, longest));
            }
        }
        return out;
    }
}
