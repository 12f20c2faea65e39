package dev.finetune4j.tokenizer.jinja;

/**
 * The counters of one render, checked against its {@link RenderLimits} before the guarded work happens. The budget of
 * the render running on this thread is {@link #current()} (helpers such as {@code Py.mul} have no frame at hand).
 */
final class RenderBudget {
    private static final ThreadLocal<RenderBudget> CURRENT = new ThreadLocal<>();

    final RenderLimits limits;
    private long steps;
    private int depth;
    private int callDepth;
    /** Peaks, for measuring real templates against the limits. */
    private int peakDepth;
    private int peakCallDepth;
    private long largestValue;

    RenderBudget(RenderLimits limits) {
        this.limits = limits;
    }

    /** The budget of the render on this thread; outside a render a fresh one with the default limits. */
    static RenderBudget current() {
        RenderBudget b = CURRENT.get();
        return b != null ? b : new RenderBudget(RenderLimits.DEFAULT);
    }

    /** Makes this the thread's budget until {@link #deactivate(RenderBudget)} with the returned previous one. */
    RenderBudget activate() {
        RenderBudget previous = CURRENT.get();
        CURRENT.set(this);
        return previous;
    }

    static void deactivate(RenderBudget previous) {
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
    }

    void step() {
        if (++steps > limits.maxSteps()) {
            throw new RenderLimitException("maxSteps", limits.maxSteps(), "the number of evaluation steps");
        }
    }

    void steps(long n) {
        steps += n;
        if (steps > limits.maxSteps() || steps < 0) {
            throw new RenderLimitException("maxSteps", limits.maxSteps(), "the number of evaluation steps");
        }
    }

    /** Enters one level of expression or data nesting; pair with {@link #leave()}. */
    void enter() {
        if (++depth > limits.maxNesting()) {
            depth--;
            throw new RenderLimitException("maxNesting", limits.maxNesting(), "nesting of expressions or data");
        }
        peakDepth = Math.max(peakDepth, depth);
    }

    void leave() {
        depth--;
    }

    /** Enters a macro or recursive-loop call; pair with {@link #leaveCall()}. */
    void enterCall(String what) {
        if (++callDepth > limits.maxCallDepth()) {
            callDepth--;
            throw new RenderLimitException("maxCallDepth", limits.maxCallDepth(), "the depth of nested calls ("
                    + what + ")");
        }
        peakCallDepth = Math.max(peakCallDepth, callDepth);
    }

    void leaveCall() {
        callDepth--;
    }

    /** Checks the length of a string about to be built ({@link #times} saturates, so overflow reads as huge). */
    void chars(long n, String what) {
        size(n, what, "characters");
    }

    /** Checks the number of items of a list or dict about to be built. */
    void items(long n, String what) {
        size(n, what, "items");
    }

    private void size(long n, String what, String unit) {
        if (n > limits.maxValueSize()) {
            throw new RenderLimitException("maxValueSize", limits.maxValueSize(), what + " of "
                    + (n == Long.MAX_VALUE ? "more than " + n : String.valueOf(n)) + " " + unit);
        }
        largestValue = Math.max(largestValue, n);
    }

    /** Checks the length of rendered text. */
    void output(long chars) {
        if (chars > limits.maxOutputChars()) {
            throw new RenderLimitException("maxOutputChars", limits.maxOutputChars(), "rendered text of more than "
                    + limits.maxOutputChars() + " characters");
        }
    }

    void range(long n) {
        if (n > limits.maxRange()) {
            throw new RenderLimitException("maxRange", limits.maxRange(), "range() of " + n + " items");
        }
    }

    /** {@code a * b} saturated at Long.MAX_VALUE (sizes are never negative). */
    static long times(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
    }

    long steps() {
        return steps;
    }

    int peakDepth() {
        return peakDepth;
    }

    int peakCallDepth() {
        return peakCallDepth;
    }

    long largestValue() {
        return largestValue;
    }
}
