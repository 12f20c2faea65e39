package dev.finetune4j.engine.model;

/**
 * Rotary position embedding frequencies (docs/training.md §12.3): {@code inv_freq} per rope type (default,
 * linear, dynamic, llama3), computed in double. The cos/sin tables ({@code cat(f, f)}, {@code f = pos ⊗ inv_freq}, in
 * the parameters' dtype like HF's fp32) are built on the device by the {@code rope_tables} kernel.
 */
public final class Rope {

    private final int dim;
    private final double theta;
    private final RopeScaling scaling;
    private final int maxPositionEmbeddings;
    private final double[] baseInvFreq;

    public Rope(ModelConfig config) {
        this(config.headDim(), config.ropeTheta(), config.ropeScaling(), config.maxPositionEmbeddings());
    }

    public Rope(int dim, double theta, RopeScaling scaling, int maxPositionEmbeddings) {
        this.dim = dim;
        this.theta = theta;
        this.scaling = scaling;
        this.maxPositionEmbeddings = maxPositionEmbeddings;
        this.baseInvFreq = invFreq(dim, theta, scaling);
    }

    /** {@code inv_freq[i] = 1/theta^(2i/dim)}, then the static scaling (linear, llama3) applied. */
    static double[] invFreq(int dim, double theta, RopeScaling scaling) {
        double[] inv = new double[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(theta, (2.0 * i) / dim);
        }
        if (scaling == null) {
            return inv;
        }
        switch (scaling.type()) {
            case RopeScaling.LINEAR:
                for (int i = 0; i < inv.length; i++) {
                    inv[i] /= scaling.factor();
                }
                return inv;
            case RopeScaling.LLAMA3:
                return llama3(inv, scaling);
            default:
                return inv;
        }
    }

    /** {@code _compute_llama3_parameters} (docs/training.md §12.3). */
    static double[] llama3(double[] inv, RopeScaling s) {
        double orig = s.originalMaxPositionEmbeddings();
        double lowWl = orig / s.lowFreqFactor();
        double highWl = orig / s.highFreqFactor();
        double[] out = new double[inv.length];
        for (int i = 0; i < inv.length; i++) {
            double wl = 2 * Math.PI / inv[i];
            double v = wl > lowWl ? inv[i] / s.factor() : inv[i];
            boolean medium = !(wl < highWl) && !(wl > lowWl);
            if (medium) {
                double smooth = (orig / wl - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
                v = (1 - smooth) * v / s.factor() + smooth * v;
            }
            out[i] = v;
        }
        return out;
    }

    /** The inverse frequencies used for a forward whose largest position is {@code maxPosition} (dynamic NTK). */
    public double[] invFreqFor(int maxPosition) {
        int seqLen = maxPosition + 1;
        if (scaling != null && scaling.type().equals(RopeScaling.DYNAMIC) && seqLen > maxPositionEmbeddings) {
            double f = scaling.factor();
            double base = theta * Math.pow(f * seqLen / maxPositionEmbeddings - (f - 1), dim / (dim - 2.0));
            return invFreq(dim, base, null);
        }
        return baseInvFreq;
    }

    public int dim() {
        return dim;
    }
}
