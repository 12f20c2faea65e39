package dev.finetune4j.tokenizer.jinja;

import java.util.ArrayList;
import java.util.List;

/** A Python slice {@code [start:stop:step]}; null parts are omitted. */
record Slice(Long start, Long stop, Long step) {

    /** The indices a slice selects from a sequence of {@code length}, as Python's {@code slice.indices}. */
    List<Integer> indices(int length) {
        long st = step == null ? 1 : step;
        if (st == 0) {
            throw new TemplateRuntimeException("ValueError: slice step cannot be zero");
        }
        long lo;
        long hi;
        if (st > 0) {
            lo = start == null ? 0 : clamp(start, length, 0, length);
            hi = stop == null ? length : clamp(stop, length, 0, length);
        } else {
            lo = start == null ? length - 1 : clamp(start, length, -1, length - 1);
            hi = stop == null ? -1 : clamp(stop, length, -1, length - 1);
        }
        List<Integer> out = new ArrayList<>();
        if (st > 0) {
            for (long i = lo; i < hi; i += st) {
                out.add((int) i);
            }
        } else {
            for (long i = lo; i > hi; i += st) {
                out.add((int) i);
            }
        }
        return out;
    }

    private static long clamp(long v, int length, long min, long max) {
        if (v < 0) {
            v += length;
        }
        return Math.max(min, Math.min(max, v));
    }
}
