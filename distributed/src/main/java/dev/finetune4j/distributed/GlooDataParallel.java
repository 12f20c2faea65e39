package dev.finetune4j.distributed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.model.TrainableParameter;
import dev.finetune4j.engine.train.DataParallel;
import java.util.ArrayList;
import java.util.List;

/**
 * The trainer's data parallelism over a c10d gloo {@link ProcessGroup}: gradients are flattened into buckets of at
 * most {@code bucketBytes}, each bucket is summed across the ranks in one all-reduce (the buckets' all-reduces
 * overlap), and the sums are copied back into the gradients (docs/distributed.md).
 */
@SuppressWarnings("try") // NDScope blocks are used for what they free on close
public final class GlooDataParallel implements DataParallel {
    /** PyTorch DDP's default bucket size. */
    public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

    private final ProcessGroup group;
    private final long bucketBytes;

    public GlooDataParallel(ProcessGroup group, long bucketBytes) {
        this.group = group;
        this.bucketBytes = bucketBytes;
    }

    @Override
    public int rank() {
        return group.rank();
    }

    @Override
    public int worldSize() {
        return group.size();
    }

    @Override
    public double reduceGradients(List<TrainableParameter> params, double lossSum) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDScope scope = new NDScope()) {
            List<List<NDArray>> buckets = new ArrayList<>();
            List<NDArray> current = new ArrayList<>();
            long bytes = 0;
            for (TrainableParameter p : params) {
                NDArray g = p.array().getGradient();
                if (g == null) {
                    continue; // no backward ran this step on any rank (the global batch has no trained tokens)
                }
                long b = g.size() * g.getDataType().getNumOfBytes();
                if (!current.isEmpty() && (bytes + b > bucketBytes
                        || g.getDataType() != current.get(0).getDataType())) {
                    buckets.add(current);
                    current = new ArrayList<>();
                    bytes = 0;
                }
                current.add(g);
                bytes += b;
            }
            if (!current.isEmpty()) {
                buckets.add(current);
            }
            List<NDArray> flat = new ArrayList<>(buckets.size() + 1);
            for (List<NDArray> bucket : buckets) {
                NDList parts = new NDList(bucket.size());
                for (NDArray g : bucket) {
                    parts.add(g.reshape(-1));
                }
                flat.add(parts.size() == 1 ? parts.get(0).duplicate() : NDArrays.concat(parts));
            }
            NDManager m = NDManager.subManagerOf(params.get(0).array());
            NDArray loss = m.create(new double[] {lossSum});
            flat.add(loss);
            group.allReduceSum(flat);
            for (int i = 0; i < buckets.size(); i++) {
                long offset = 0;
                for (NDArray g : buckets.get(i)) {
                    NDArray part = flat.get(i).get(new NDIndex("{}:{}", offset, offset + g.size()));
                    KernelLibrary.of(g).copyInto(g, part.reshape(g.getShape()));
                    offset += g.size();
                }
            }
            return loss.toDoubleArray()[0];
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    @Override
    public double[] sum(double[] values) {
        try (NDScope scope = new NDScope(); NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(values.clone());
            group.allReduceSum(List.of(a));
            return a.toType(DataType.FLOAT64, false).toDoubleArray();
        }
    }
}
