package dev.finetune4j.tokenizer.jinja;

import java.util.List;
import java.util.Map;

/** Jinja's {@code loop} variable; calling it recurses in a {@code recursive} loop. */
final class LoopContext implements PyCallable {
    private final List<Object> items;
    private final int depth0;
    private final PyCallable recurse;
    int index0;
    private Object lastChanged = NOTHING;
    private static final Object NOTHING = new Object();

    LoopContext(List<Object> items, int depth0, PyCallable recurse) {
        this.items = items;
        this.depth0 = depth0;
        this.recurse = recurse;
    }

    Object attribute(String name) {
        int n = items.size();
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (n - index0);
            case "revindex0" -> (long) (n - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == n - 1;
            case "length" -> (long) n;
            case "depth" -> (long) depth0 + 1;
            case "depth0" -> (long) depth0;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1)
                    : Undefined.hint("there is no previous item");
            case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : Undefined.hint("there is no next item");
            case "cycle" -> (PyCallable) (args, kw) -> {
                if (args.isEmpty()) {
                    throw new TemplateRuntimeException("TypeError: no items for cycling given");
                }
                return args.get(index0 % args.size());
            };
            case "changed" -> (PyCallable) (args, kw) -> {
                Object value = new PyTuple(args);
                if (lastChanged == NOTHING || !Py.eq(lastChanged, value)) {
                    lastChanged = value;
                    return true;
                }
                return false;
            };
            default -> Undefined.member(this, name);
        };
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
        if (recurse == null) {
            throw new TemplateRuntimeException("TypeError: Tried to call non recursive loop.  Maybe you forgot the "
                    + "'recursive' modifier.");
        }
        return recurse.call(args, kwargs);
    }
}
