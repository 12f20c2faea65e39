package dev.finetune4j.tokenizer.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The statement nodes. */
final class Stmts {
    /** Frame variable through which filter blocks and block sets hand their rendered body to the filter chain. */
    static final String BLOCK_VALUE = " block";

    private Stmts() {
    }

    static final class Data extends Stmt {
        final String text;

        Data(int line, String text) {
            super(line);
            this.text = text;
        }

        @Override
        void exec(Frame f, StringBuilder out) {
            out.append(text);
        }
    }

    static final class Output extends Stmt {
        final Expr expr;

        Output(int line, Expr expr) {
            super(line);
            this.expr = expr;
        }

        @Override
        void exec(Frame f, StringBuilder out) {
            out.append(Py.str(expr.eval(f)));
        }
    }

    static final class If extends Stmt {
        final List<Expr> tests;
        final List<List<Stmt>> bodies;
        final List<Stmt> otherwise;

        If(int line, List<Expr> tests, List<List<Stmt>> bodies, List<Stmt> otherwise) {
            super(line);
            this.tests = tests;
            this.bodies = bodies;
            this.otherwise = otherwise;
        }

        @Override
        void exec(Frame f, StringBuilder out) {
            for (int i = 0; i < tests.size(); i++) {
                if (Py.truthy(tests.get(i).eval(f))) {
                    execAll(bodies.get(i), f, out);
                    return;
                }
            }
            execAll(otherwise, f, out);
        }
    }

    static final class For extends Stmt {
        final Target target;
        final Expr iter;
        final Expr filter;
        final boolean recursive;
        final List<Stmt> body;
        final List<Stmt> otherwise;

        For(int line, Target target, Expr iter, Expr filter, boolean recursive, List<Stmt> body,
                List<Stmt> otherwise) {
            super(line);
            this.target = target;
            this.iter = iter;
            this.filter = filter;
            this.recursive = recursive;
            this.body = body;
            this.otherwise = otherwise;
        }

        @Override
        void exec(Frame f, StringBuilder out) {
            run(f, iter.eval(f), 0, out);
        }

        private void run(Frame f, Object iterable, int depth, StringBuilder out) {
            List<Object> items = Py.iterate(iterable);
            if (filter != null) {
                List<Object> kept = new ArrayList<>();
                for (Object item : items) {
                    f.state.budget.step();
                    Frame probe = f.child();
                    target.assign(probe, item);
                    if (Py.truthy(filter.eval(probe))) {
                        kept.add(item);
                    }
                }
                items = kept;
            }
            if (items.isEmpty()) {
                execAll(otherwise, f, out);
                return;
            }
            PyCallable recurse = recursive ? (args, kw) -> {
                if (args.size() != 1) {
                    throw new TemplateRuntimeException("TypeError: loop() takes exactly one argument");
                }
                StringBuilder sub = new StringBuilder();
                f.state.budget.enterCall("recursive loop");
                try {
                    run(f, args.get(0), depth + 1, sub);
                } finally {
                    f.state.budget.leaveCall();
                }
                return sub.toString();
            } : null;
            LoopContext loop = new LoopContext(items, depth, recurse);
            for (int i = 0; i < items.size(); i++) {
                f.state.budget.step();
                Object item = items.get(i);
                loop.index0 = i;
                Frame iteration = f.child();
                try {
                    target.assign(iteration, item);
                    iteration.set("loop", loop);
                    execAll(body, iteration, out);
                } catch (LoopControl c) {
                    if (c == LoopControl.BREAK) {
                        break;
                    }
                } catch (TemplateRuntimeException e) {
                    int index = f.state.messageIndexOf(item);
                    throw index >= 0 ? e.atMessage(index) : e;
                }
            }
        }
    }

    static final class Assign extends Stmt {
        final Target target;
        final Expr value;

        Assign(int line, Target target, Expr value) {
            super(line);
            this.target = target;
            this.value = value;
        }

        @Override
        void exec(Frame f, StringBuilder out) {
            target.assign(f, value.eval(f));
        }
    }

    /** {@code {% set x %}…{% endset %}} with an optional filter chain. */
    static final class SetBlock extends Stmt {
        final Target target;
        final Expr filter;
        final List<Stmt> body;

        SetBlock(int line, Target target, Expr filter, List<Stmt> body) {
            super(line);
            this.target = target;
            this.filter = filter;
            this.body = body;
        }

        @Override
        void exec(Frame f, StringBuilder out) {
            StringBuilder captured = new StringBuilder();
            execAll(body, f, captured);
            target.assign(f, applyFilter(filter, captured.toString(), f));
        }
    }

    static Object applyFilter(Expr filter, String text, Frame f) {
        if (filter == null) {
            return text;
        }
        Frame holder = f.child();
        holder.set(BLOCK_VALUE, text);
        return filter.eval(holder);
    }

    static final class FilterBlock extends Stmt {
        final Expr filter;
        final List<Stmt> body;

        FilterBlock(int line, Expr filter, List<Stmt> body) {
            super(line);
            this.filter = filter;
            this.body = body;
        }

        @Override
        void exec(Frame f, StringBuilder out) {
            StringBuilder captured = new StringBuilder();
            execAll(body, f, captured);
            out.append(Py.str(applyFilter(filter, captured.toString(), f)));
        }
    }

    static final class MacroDef extends Stmt {
        final String name;
        final List<String> params;
        final List<Expr> defaults;
        final List<Stmt> body;
        final Set<String> referenced;

        MacroDef(int line, String name, List<String> params, List<Expr> defaults, List<Stmt> body,
                Set<String> referenced) {
            super(line);
            this.name = name;
            this.params = params;
            this.defaults = defaults;
            this.body = body;
            this.referenced = referenced;
        }

        @Override
        void exec(Frame f, StringBuilder out) {
            f.set(name, new Macro(name, params, defaults, body, f, referenced));
        }
    }

    static final class CallBlock extends Stmt {
        final List<String> params;
        final List<Expr> defaults;
        final Exprs.Call call;
        final List<Stmt> body;
        final Set<String> referenced;

        CallBlock(int line, List<String> params, List<Expr> defaults, Exprs.Call call, List<Stmt> body,
                Set<String> referenced) {
            super(line);
            this.params = params;
            this.defaults = defaults;
            this.call = call;
            this.body = body;
            this.referenced = referenced;
        }

        @Override
        void exec(Frame f, StringBuilder out) {
            Macro caller = new Macro("caller", params, defaults, body, f, referenced);
            Object fn = call.fn.eval(f);
            List<Object> args = call.args.evalPositional(f);
            Map<String, Object> kwargs = call.args.evalKeyword(f);
            kwargs.put("caller", caller);
            out.append(Py.str(Exprs.Call.call(fn, args, kwargs)));
        }
    }

    static final class With extends Stmt {
        final List<Target> targets;
        final List<Expr> values;
        final List<Stmt> body;

        With(int line, List<Target> targets, List<Expr> values, List<Stmt> body) {
            super(line);
            this.targets = targets;
            this.values = values;
            this.body = body;
        }

        @Override
        void exec(Frame f, StringBuilder out) {
            Frame inner = f.child();
            for (int i = 0; i < targets.size(); i++) {
                targets.get(i).assign(inner, values.get(i).eval(f));
            }
            execAll(body, inner, out);
        }
    }

    /** transformers' {@code {% generation %}}: renders its body (assistant-mask tracking is not needed here). */
    static final class Generation extends Stmt {
        final List<Stmt> body;

        Generation(int line, List<Stmt> body) {
            super(line);
            this.body = body;
        }

        @Override
        void exec(Frame f, StringBuilder out) {
            execAll(body, f, out);
        }
    }

    static final class Control extends Stmt {
        final LoopControl control;

        Control(int line, LoopControl control) {
            super(line);
            this.control = control;
        }

        @Override
        void exec(Frame f, StringBuilder out) {
            throw control;
        }
    }
}
