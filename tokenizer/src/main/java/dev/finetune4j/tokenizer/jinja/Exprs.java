package dev.finetune4j.tokenizer.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The expression nodes. */
final class Exprs {
    private Exprs() {
    }

    static final class Const extends Expr {
        @Override
        boolean buildsValues() {
            return false;
        }

        final Object value;

        Const(int line, Object value) {
            super(line);
            this.value = value;
        }

        @Override
        Object evaluate(Frame f) {
            return value;
        }
    }

    static final class Name extends Expr {
        @Override
        boolean buildsValues() {
            return false;
        }

        final String name;

        Name(int line, String name) {
            super(line);
            this.name = name;
        }

        @Override
        Object evaluate(Frame f) {
            return f.lookup(name);
        }
    }

    static final class ListLit extends Expr {
        final List<Expr> items;

        ListLit(int line, List<Expr> items) {
            super(line);
            this.items = items;
        }

        @Override
        Object evaluate(Frame f) {
            List<Object> out = new ArrayList<>(items.size());
            for (Expr e : items) {
                out.add(e.eval(f));
            }
            return out;
        }
    }

    static final class TupleLit extends Expr {
        final List<Expr> items;

        TupleLit(int line, List<Expr> items) {
            super(line);
            this.items = items;
        }

        @Override
        Object evaluate(Frame f) {
            List<Object> out = new ArrayList<>(items.size());
            for (Expr e : items) {
                out.add(e.eval(f));
            }
            return new PyTuple(out);
        }
    }

    static final class DictLit extends Expr {
        final List<Expr> keys;
        final List<Expr> values;

        DictLit(int line, List<Expr> keys, List<Expr> values) {
            super(line);
            this.keys = keys;
            this.values = values;
        }

        @Override
        Object evaluate(Frame f) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                Object k = keys.get(i).eval(f);
                if (k instanceof List || k instanceof Map) {
                    throw new TemplateRuntimeException("TypeError: unhashable type: '" + Py.typeName(k) + "'");
                }
                Object existing = Py.findKey(out, k);
                out.put(existing == Py.NO_KEY ? k : existing, values.get(i).eval(f));
            }
            return out;
        }
    }

    static final class Getattr extends Expr {
        @Override
        boolean buildsValues() {
            return false;
        }

        final Expr target;
        final String name;

        Getattr(int line, Expr target, String name) {
            super(line);
            this.target = target;
            this.name = name;
        }

        @Override
        Object evaluate(Frame f) {
            return Attributes.getattr(target.eval(f), name);
        }
    }

    static final class Getitem extends Expr {
        @Override
        boolean buildsValues() {
            return false;
        }

        final Expr target;
        final Expr key;

        Getitem(int line, Expr target, Expr key) {
            super(line);
            this.target = target;
            this.key = key;
        }

        @Override
        Object evaluate(Frame f) {
            return Attributes.getitem(target.eval(f), key.eval(f));
        }
    }

    static final class SliceExpr extends Expr {
        final Expr start;
        final Expr stop;
        final Expr step;

        SliceExpr(int line, Expr start, Expr stop, Expr step) {
            super(line);
            this.start = start;
            this.stop = stop;
            this.step = step;
        }

        @Override
        Object evaluate(Frame f) {
            return new Slice(index(start, f), index(stop, f), index(step, f));
        }

        private static Long index(Expr e, Frame f) {
            if (e == null) {
                return null;
            }
            Object v = e.eval(f);
            if (v == null) {
                return null;
            }
            if (!Py.isInt(v)) {
                throw new TemplateRuntimeException("TypeError: slice indices must be integers or None");
            }
            return Py.toLong(v);
        }
    }

    static final class Call extends Expr {
        final Expr fn;
        final CallArgs args;

        Call(int line, Expr fn, CallArgs args) {
            super(line);
            this.fn = fn;
            this.args = args;
        }

        @Override
        Object evaluate(Frame f) {
            Object target = fn.eval(f);
            return call(target, args.evalPositional(f), args.evalKeyword(f));
        }

        static Object call(Object target, List<Object> args, Map<String, Object> kwargs) {
            if (target instanceof Undefined u) {
                throw u.fail();
            }
            if (target instanceof PyCallable c) {
                return c.call(args, kwargs);
            }
            throw new TemplateRuntimeException("TypeError: '" + Py.typeName(target) + "' object is not callable");
        }
    }

    static final class FilterCall extends Expr {
        final Expr value;
        final String name;
        final CallArgs args;

        FilterCall(int line, Expr value, String name, CallArgs args) {
            super(line);
            this.value = value;
            this.name = name;
            this.args = args;
        }

        @Override
        Object evaluate(Frame f) {
            return Filters.apply(name, value.eval(f), args.evalPositional(f), args.evalKeyword(f), f);
        }
    }

    static final class TestCall extends Expr {
        final Expr value;
        final String name;
        final CallArgs args;
        final boolean negated;

        TestCall(int line, Expr value, String name, CallArgs args, boolean negated) {
            super(line);
            this.value = value;
            this.name = name;
            this.args = args;
            this.negated = negated;
        }

        @Override
        Object evaluate(Frame f) {
            boolean r = Tests.apply(name, value.eval(f), args.evalPositional(f), args.evalKeyword(f), f);
            return negated != r;
        }
    }

    static final class BinOp extends Expr {
        final String op;
        final Expr left;
        final Expr right;

        BinOp(int line, String op, Expr left, Expr right) {
            super(line);
            this.op = op;
            this.left = left;
            this.right = right;
        }

        @Override
        Object evaluate(Frame f) {
            Object a = left.eval(f);
            Object b = right.eval(f);
            return switch (op) {
                case "+" -> Py.add(a, b);
                case "-" -> Py.sub(a, b);
                case "*" -> Py.mul(a, b);
                case "/" -> Py.div(a, b);
                case "//" -> Py.floorDiv(a, b);
                case "%" -> Py.mod(a, b);
                case "**" -> Py.pow(a, b);
                default -> throw new IllegalStateException(op);
            };
        }
    }

    static final class Concat extends Expr {
        final List<Expr> parts;

        Concat(int line, List<Expr> parts) {
            super(line);
            this.parts = parts;
        }

        @Override
        Object evaluate(Frame f) {
            StringBuilder b = new StringBuilder();
            for (Expr e : parts) {
                String part = Py.str(e.eval(f));
                f.state.budget.chars((long) b.length() + part.length(), "a string built with '~'");
                b.append(part);
            }
            return b.toString();
        }
    }

    static final class Compare extends Expr {
        final Expr first;
        final List<String> ops;
        final List<Expr> rest;

        Compare(int line, Expr first, List<String> ops, List<Expr> rest) {
            super(line);
            this.first = first;
            this.ops = ops;
            this.rest = rest;
        }

        @Override
        Object evaluate(Frame f) {
            Object a = first.eval(f);
            for (int i = 0; i < ops.size(); i++) {
                Object b = rest.get(i).eval(f);
                if (!compare(ops.get(i), a, b)) {
                    return false;
                }
                a = b;
            }
            return true;
        }

        private static boolean compare(String op, Object a, Object b) {
            return switch (op) {
                case "==" -> Py.eq(a, b);
                case "!=" -> !Py.eq(a, b);
                case "<" -> Py.compare(a, b, op) < 0;
                case "<=" -> Py.compare(a, b, op) <= 0;
                case ">" -> Py.compare(a, b, op) > 0;
                case ">=" -> Py.compare(a, b, op) >= 0;
                case "in" -> Py.contains(b, a);
                case "notin" -> !Py.contains(b, a);
                default -> throw new IllegalStateException(op);
            };
        }
    }

    static final class And extends Expr {
        @Override
        boolean buildsValues() {
            return false;
        }

        final Expr left;
        final Expr right;

        And(int line, Expr left, Expr right) {
            super(line);
            this.left = left;
            this.right = right;
        }

        @Override
        Object evaluate(Frame f) {
            Object a = left.eval(f);
            return Py.truthy(a) ? right.eval(f) : a;
        }
    }

    static final class Or extends Expr {
        @Override
        boolean buildsValues() {
            return false;
        }

        final Expr left;
        final Expr right;

        Or(int line, Expr left, Expr right) {
            super(line);
            this.left = left;
            this.right = right;
        }

        @Override
        Object evaluate(Frame f) {
            Object a = left.eval(f);
            return Py.truthy(a) ? a : right.eval(f);
        }
    }

    static final class Not extends Expr {
        final Expr operand;

        Not(int line, Expr operand) {
            super(line);
            this.operand = operand;
        }

        @Override
        Object evaluate(Frame f) {
            return !Py.truthy(operand.eval(f));
        }
    }

    static final class Neg extends Expr {
        final Expr operand;

        Neg(int line, Expr operand) {
            super(line);
            this.operand = operand;
        }

        @Override
        Object evaluate(Frame f) {
            return Py.neg(operand.eval(f));
        }
    }

    static final class Pos extends Expr {
        final Expr operand;

        Pos(int line, Expr operand) {
            super(line);
            this.operand = operand;
        }

        @Override
        Object evaluate(Frame f) {
            return Py.pos(operand.eval(f));
        }
    }

    static final class CondExpr extends Expr {
        @Override
        boolean buildsValues() {
            return false;
        }

        final Expr test;
        final Expr then;
        final Expr otherwise;

        CondExpr(int line, Expr test, Expr then, Expr otherwise) {
            super(line);
            this.test = test;
            this.then = then;
            this.otherwise = otherwise;
        }

        @Override
        Object evaluate(Frame f) {
            if (Py.truthy(test.eval(f))) {
                return then.eval(f);
            }
            return otherwise == null ? Undefined.hint("the inline if-expression on line " + line
                    + " evaluated to false and no else section was defined.") : otherwise.eval(f);
        }
    }
}
