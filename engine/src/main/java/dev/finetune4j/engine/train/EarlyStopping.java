package dev.finetune4j.engine.train;

/**
 * Stops a run when the validation loss has not improved by more than {@code minDelta} for {@code patience}
 * consecutive evaluations (Composer's EarlyStopper with comparison "lower is better").
 */
public final class EarlyStopping {
    private final int patience;
    private final double minDelta;
    private double best = Double.POSITIVE_INFINITY;
    private int bad;

    public EarlyStopping(int patience, double minDelta) {
        if (patience < 1) {
            throw new IllegalArgumentException("early_stopping.patience must be >= 1, got " + patience);
        }
        if (minDelta < 0) {
            throw new IllegalArgumentException("early_stopping.min_delta must be >= 0, got " + minDelta);
        }
        this.patience = patience;
        this.minDelta = minDelta;
    }

    /** Records one evaluation; returns true when training should stop. */
    public boolean update(double valLoss) {
        if (valLoss < best - minDelta) {
            best = valLoss;
            bad = 0;
            return false;
        }
        bad++;
        return bad >= patience;
    }

    public double best() {
        return best;
    }

    public int evaluationsWithoutImprovement() {
        return bad;
    }

    /** Restores the state saved by {@link #best()} and {@link #evaluationsWithoutImprovement()}. */
    public void restore(double best, int bad) {
        this.best = best;
        this.bad = bad;
    }
}
