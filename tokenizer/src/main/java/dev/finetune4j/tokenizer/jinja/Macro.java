package dev.finetune4j.tokenizer.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A macro (or the {@code caller} of a call block): parameters bind positionally then by keyword, missing ones are
 * Undefined, defaults are evaluated at call time; extra arguments go to {@code varargs}/{@code kwargs} when the body
 * uses them and are a TypeError otherwise. Calling renders the body and returns the text.
 */
final class Macro implements PyCallable {
    /** A call binds arguments into a fresh frame: it costs several plain steps. */
    static final int CALL_STEPS = 8;

    private final String name;
    private final List<String> params;
    private final List<Expr> defaults;
    private final List<Stmt> body;
    private final Frame closure;
    private final boolean catchVarargs;
    private final boolean catchKwargs;
    private final boolean usesCaller;

    Macro(String name, List<String> params, List<Expr> defaults, List<Stmt> body, Frame closure,
            java.util.Set<String> referenced) {
        this.name = name;
        this.params = params;
        this.defaults = defaults;
        this.body = body;
        this.closure = closure;
        this.catchVarargs = referenced.contains("varargs");
        this.catchKwargs = referenced.contains("kwargs");
        this.usesCaller = referenced.contains("caller");
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
        Frame frame = closure.child();
        Map<String, Object> extraKw = new LinkedHashMap<>(kwargs);
        Object caller = extraKw.remove("caller");
        int firstDefault = params.size() - defaults.size();
        for (int i = 0; i < params.size(); i++) {
            String p = params.get(i);
            Object value;
            if (i < args.size()) {
                if (extraKw.containsKey(p)) {
                    throw new TemplateRuntimeException("TypeError: macro '" + name + "' got multiple values for "
                            + "argument '" + p + "'");
                }
                value = args.get(i);
            } else if (extraKw.containsKey(p)) {
                value = extraKw.remove(p);
            } else if (i >= firstDefault) {
                value = defaults.get(i - firstDefault).eval(frame);
            } else {
                value = Undefined.hint("parameter '" + p + "' was not provided");
            }
            frame.set(p, value);
        }
        List<Object> extraArgs = args.size() > params.size()
                ? new ArrayList<>(args.subList(params.size(), args.size())) : new ArrayList<>();
        if (!extraArgs.isEmpty() && !catchVarargs) {
            throw new TemplateRuntimeException("TypeError: macro '" + name + "' takes not more than "
                    + params.size() + " argument(s)");
        }
        if (!extraKw.isEmpty() && !catchKwargs) {
            throw new TemplateRuntimeException("TypeError: macro '" + name + "' takes no keyword argument '"
                    + extraKw.keySet().iterator().next() + "'");
        }
        if (catchVarargs) {
            frame.set("varargs", new PyTuple(extraArgs));
        }
        if (catchKwargs) {
            frame.set("kwargs", new LinkedHashMap<Object, Object>(extraKw));
        }
        if (caller != null) {
            frame.set("caller", caller);
        } else if (usesCaller) {
            frame.set("caller", Undefined.hint("No caller defined"));
        }
        StringBuilder out = new StringBuilder();
        RenderBudget budget = frame.state.budget;
        budget.enterCall("macro '" + name + "'");
        budget.steps(CALL_STEPS + args.size() + kwargs.size());
        try {
            Stmt.execAll(body, frame, out);
        } finally {
            budget.leaveCall();
        }
        return out.toString();
    }
}
