package dev.finetune4j.tokenizer.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The argument list of a call, filter or test: positional, keyword, {@code *args} and {@code **kwargs}. */
final class CallArgs {
    static final CallArgs NONE = new CallArgs(List.of(), Map.of(), null, null);

    final List<Expr> positional;
    final Map<String, Expr> keyword;
    final Expr starArgs;
    final Expr starKwargs;

    CallArgs(List<Expr> positional, Map<String, Expr> keyword, Expr starArgs, Expr starKwargs) {
        this.positional = positional;
        this.keyword = keyword;
        this.starArgs = starArgs;
        this.starKwargs = starKwargs;
    }

    List<Object> evalPositional(Frame frame) {
        List<Object> out = new ArrayList<>(positional.size());
        for (Expr e : positional) {
            out.add(e.eval(frame));
        }
        if (starArgs != null) {
            out.addAll(Py.iterate(starArgs.eval(frame)));
        }
        return out;
    }

    Map<String, Object> evalKeyword(Frame frame) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Expr> e : keyword.entrySet()) {
            out.put(e.getKey(), e.getValue().eval(frame));
        }
        if (starKwargs != null) {
            Object m = starKwargs.eval(frame);
            if (!(m instanceof Map<?, ?> map)) {
                throw new TemplateRuntimeException("TypeError: argument after ** must be a mapping, not "
                        + Py.typeName(m));
            }
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.put(Py.str(e.getKey()), e.getValue());
            }
        }
        return out;
    }
}
