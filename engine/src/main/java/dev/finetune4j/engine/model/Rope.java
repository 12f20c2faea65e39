package dev.finetune4j.engine.model;

/**
 * Rotary position embedding frequencies (docs/training.md §12.3, docs/models.md §10): {@code inv_freq} per rope
 * type (default, linear, dynamic, llama3, longrope), computed in double, over the rotated dimensions of a head
 * ({@code dim}: head_dim, or head_dim × partial_rotary_factor). The cos/sin tables ({@code cat(f, f)}, {@code f = pos ⊗ inv_freq}, in
 * the parameters' dtype like HF's fp32) are built on the device by the {@code rope_tables} kernel.
 */
public final class Rope {

    private final int dim;
    private final double theta;
    private final RopeScaling scaling;
    private final int maxPositionEmbeddings;
    private final double[] baseInvFreq;
    /** longrope: the frequencies for sequences longer than the original context; null for the other types. */
    private final double[] longInvFreq;

    public Rope(ModelConfig config) {
        this(config.rotaryDim(), config.ropeTheta(), config.ropeScaling(), config.maxPositionEmbeddings());
    }

    public Rope(int dim, double theta, RopeScaling scaling, int maxPositionEmbeddings) {
        this.dim = dim;
        this.theta = theta;
        this.scaling = scaling;
        this.maxPositionEmbeddings = maxPositionEmbeddings;
        this.baseInvFreq = invFreq(dim, theta, scaling);
        this.longInvFreq = isLongrope() ? longrope(dim, theta, scaling.longFactor()) : null;
    }

    private boolean isLongrope() {
        return scaling != null && scaling.type().equals(RopeScaling.LONGROPE);
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
            case RopeScaling.LONGROPE:
                return longrope(dim, theta, scaling.shortFactor());
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

    /** {@code _compute_longrope_parameters}: {@code inv_freq[i] = 1 / (ext[i] · theta^(2i/dim))}. */
    static double[] longrope(int dim, double theta, java.util.List<Double> ext) {
        double[] inv = new double[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / (ext.get(i) * Math.pow(theta, (2.0 * i) / dim));
        }
        return inv;
    }

    /**
     * The inverse frequencies used for a forward whose largest position is {@code maxPosition}: dynamic NTK beyond
     * max_position_embeddings; longrope's long factors when {@code maxPosition + 1} exceeds the original context
     * (HF decides by {@code max(position_ids) + 1} over the whole batch), its short factors otherwise.
     */
    public double[] invFreqFor(int maxPosition) {
        int seqLen = maxPosition + 1;
        if (isLongrope() && seqLen > scaling.originalMaxPositionEmbeddings()) {
            return longInvFreq;
        }
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

    /** The factor cos and sin are multiplied by (longrope's attention factor; 1 for the other types). */
    public double attentionFactor() {
        return scaling == null ? 1.0 : scaling.attentionFactor();
    }

    /**
     * Whether keys cached for {@code cachedLength} positions were rotated with other frequencies than a sequence of
     * {@code totalLength} positions uses, so the cache must be recomputed (longrope crossing from the short to the
     * long factors, as HF's Phi-3 generation drops its cache once at that point).
     */
    public boolean invalidatesCache(int cachedLength, int totalLength) {
        return isLongrope() && cachedLength > 0 && cachedLength <= scaling.originalMaxPositionEmbeddings()
                && totalLength > scaling.originalMaxPositionEmbeddings();
    }
}
