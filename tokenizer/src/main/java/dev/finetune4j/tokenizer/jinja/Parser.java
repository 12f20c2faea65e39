package dev.finetune4j.tokenizer.jinja;

import dev.finetune4j.tokenizer.jinja.Token.Kind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Recursive-descent parser with Jinja2 3.1's grammar and precedence (condexpr &lt; or &lt; and &lt; not &lt; compare
 * &lt; +,- &lt; ~ &lt; *,/,//,% &lt; ** &lt; unary &lt; postfix/filters/tests). Keywords are contextual, as in Jinja:
 * {@code if} and {@code in} are ordinary names where an expression is expected.
 */
final class Parser {
    private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", "<=", ">", ">=");

    private final List<Token> tokens;
    private final String name;
    private int pos;
    /** Names referenced inside each macro/call body being parsed (for varargs/kwargs/caller). */
    private final Deque<Set<String>> referencedNames = new ArrayDeque<>();
    /** Current and greatest nesting of statements and expressions; the limit keeps the recursion off the stack's end. */
    private final int maxNesting;
    private int nesting;
    private int peakNesting;

    Parser(List<Token> tokens, String name, int maxNesting) {
        this.tokens = tokens;
        this.name = name;
        this.maxNesting = maxNesting;
    }

    /** The deepest nesting the source reached (for measuring real templates). */
    int peakNesting() {
        return peakNesting;
    }

    private void enter() {
        if (++nesting > maxNesting) {
            throw fail("blocks and brackets nest deeper than " + maxNesting + " levels (the limit "
                    + "RenderLimits.maxNesting = " + maxNesting + ")", current().line());
        }
        peakNesting = Math.max(peakNesting, nesting);
    }

    List<Stmt> parse() {
        List<Stmt> body = subparse(Set.of());
        return body;
    }

    // ------------------------------------------------------------------ token stream

    private Token current() {
        return tokens.get(pos);
    }

    private Token look() {
        return tokens.get(Math.min(pos + 1, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(pos);
        if (pos < tokens.size() - 1) {
            pos++;
        }
        return t;
    }

    private TemplateSyntaxException fail(String message, int line) {
        return new TemplateSyntaxException(name, line, message);
    }

    private Token expect(Kind kind, String value, String what) {
        Token t = current();
        if (t.kind() != kind || (value != null && !t.value().equals(value))) {
            if (t.kind() == Kind.EOF) {
                throw fail("unexpected end of template, expected " + what, t.line());
            }
            throw fail("expected " + what + ", got " + t.describe(), t.line());
        }
        return next();
    }

    private Token expectOp(String op) {
        return expect(Kind.OPERATOR, op, "'" + op + "'");
    }

    private boolean skipOp(String op) {
        if (current().isOp(op)) {
            next();
            return true;
        }
        return false;
    }

    private boolean skipName(String n) {
        if (current().isName(n)) {
            next();
            return true;
        }
        return false;
    }

    // ------------------------------------------------------------------ statements

    private List<Stmt> subparse(Set<String> endTags) {
        List<Stmt> body = new ArrayList<>();
        while (true) {
            Token t = current();
            switch (t.kind()) {
                case DATA -> {
                    next();
                    body.add(new Stmts.Data(t.line(), t.value()));
                }
                case VAR_BEGIN -> {
                    next();
                    Expr e = parseTuple(false, true, Set.of(), false);
                    expect(Kind.VAR_END, null, "'}}'");
                    body.add(new Stmts.Output(t.line(), e));
                }
                case BLOCK_BEGIN -> {
                    next();
                    if (current().kind() == Kind.NAME && endTags.contains(current().value())) {
                        return body;
                    }
                    body.add(parseStatement());
                    expect(Kind.BLOCK_END, null, "end of statement block '%}'");
                }
                case EOF -> {
                    if (!endTags.isEmpty()) {
                        throw fail("unexpected end of template; Jinja was looking for one of the tags "
                                + endTags + " — a block is not closed", t.line());
                    }
                    return body;
                }
                default -> throw fail("unexpected " + t.describe(), t.line());
            }
        }
    }

    /** After a statement's header: {@code %}}, the body up to one of {@code endTags}, left at that tag. */
    private List<Stmt> parseStatements(Set<String> endTags, boolean dropNeedle) {
        skipOp(":");
        expect(Kind.BLOCK_END, null, "end of statement block '%}'");
        List<Stmt> body = subparse(endTags);
        if (current().kind() == Kind.EOF) {
            throw fail("unexpected end of template, expected " + endTags, current().line());
        }
        if (dropNeedle) {
            next();
        }
        return body;
    }

    private Stmt parseStatement() {
        enter();
        try {
            return parseStatementNested();
        } finally {
            nesting--;
        }
    }

    private Stmt parseStatementNested() {
        Token t = current();
        if (t.kind() != Kind.NAME) {
            throw fail("tag name expected", t.line());
        }
        switch (t.value()) {
            case "if":
                return parseIf();
            case "for":
                return parseFor();
            case "set":
                return parseSet();
            case "macro":
                return parseMacro();
            case "call":
                return parseCallBlock();
            case "filter":
                return parseFilterBlock();
            case "with":
                return parseWith();
            case "generation": {
                next();
                List<Stmt> body = parseStatements(Set.of("endgeneration"), true);
                return new Stmts.Generation(t.line(), body);
            }
            case "break":
                next();
                return new Stmts.Control(t.line(), LoopControl.BREAK);
            case "continue":
                next();
                return new Stmts.Control(t.line(), LoopControl.CONTINUE);
            case "include", "import", "from", "extends", "block":
                throw fail("the '" + t.value() + "' tag is not supported in chat templates (no template loader)",
                        t.line());
            default:
                throw fail("Encountered unknown tag '" + t.value() + "'.", t.line());
        }
    }

    private Stmt parseIf() {
        int line = next().line();
        List<Expr> tests = new ArrayList<>();
        List<List<Stmt>> bodies = new ArrayList<>();
        List<Stmt> otherwise = List.of();
        while (true) {
            tests.add(parseTuple(false, false, Set.of(), false));
            bodies.add(parseStatements(Set.of("elif", "else", "endif"), false));
            Token t = next();
            if (t.isName("elif")) {
                continue;
            }
            if (t.isName("else")) {
                otherwise = parseStatements(Set.of("endif"), true);
            }
            break;
        }
        return new Stmts.If(line, tests, bodies, otherwise);
    }

    private Stmt parseFor() {
        int line = next().line();
        Target target = parseAssignTarget(true, false, Set.of("in"));
        expect(Kind.NAME, "in", "'in'");
        Expr iter = parseTuple(false, false, Set.of("recursive"), false);
        Expr filter = null;
        if (skipName("if")) {
            filter = parseExpression(true);
        }
        boolean recursive = skipName("recursive");
        List<Stmt> body = parseStatements(Set.of("endfor", "else"), false);
        List<Stmt> otherwise = List.of();
        if (!next().isName("endfor")) {
            otherwise = parseStatements(Set.of("endfor"), true);
        }
        return new Stmts.For(line, target, iter, filter, recursive, body, otherwise);
    }

    private Stmt parseSet() {
        int line = next().line();
        Target target;
        if (current().kind() == Kind.NAME && look().isOp(".")) {
            String ns = next().value();
            next();
            String attr = expect(Kind.NAME, null, "attribute name").value();
            target = new Target.NamespaceTarget(ns, attr);
        } else {
            target = parseAssignTarget(true, false, Set.of());
        }
        if (skipOp("=")) {
            return new Stmts.Assign(line, target, parseTuple(false, true, Set.of(), false));
        }
        Expr filter = current().isOp("|") ? parseFilter(new Exprs.Name(line, Stmts.BLOCK_VALUE), false) : null;
        List<Stmt> body = parseStatements(Set.of("endset"), true);
        return new Stmts.SetBlock(line, target, filter, body);
    }

    private Stmt parseMacro() {
        int line = next().line();
        String macroName = expect(Kind.NAME, null, "macro name").value();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        parseSignature(params, defaults);
        referencedNames.push(new HashSet<>());
        List<Stmt> body = parseStatements(Set.of("endmacro"), true);
        Set<String> referenced = referencedNames.pop();
        return new Stmts.MacroDef(line, macroName, params, defaults, body, referenced);
    }

    private void parseSignature(List<String> params, List<Expr> defaults) {
        expectOp("(");
        while (!current().isOp(")")) {
            if (!params.isEmpty()) {
                expectOp(",");
            }
            Token p = expect(Kind.NAME, null, "parameter name");
            if (skipOp("=")) {
                defaults.add(parseExpression(true));
            } else if (!defaults.isEmpty()) {
                throw fail("non-default argument follows default argument", p.line());
            }
            params.add(p.value());
        }
        expectOp(")");
    }

    private Stmt parseCallBlock() {
        int line = next().line();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        if (current().isOp("(")) {
            parseSignature(params, defaults);
        }
        Expr call = parseExpression(true);
        if (!(call instanceof Exprs.Call c)) {
            throw fail("expected call", line);
        }
        referencedNames.push(new HashSet<>());
        List<Stmt> body = parseStatements(Set.of("endcall"), true);
        Set<String> referenced = referencedNames.pop();
        return new Stmts.CallBlock(line, params, defaults, c, body, referenced);
    }

    private Stmt parseFilterBlock() {
        int line = next().line();
        Expr filter = parseFilter(new Exprs.Name(line, Stmts.BLOCK_VALUE), true);
        List<Stmt> body = parseStatements(Set.of("endfilter"), true);
        return new Stmts.FilterBlock(line, filter, body);
    }

    private Stmt parseWith() {
        int line = next().line();
        List<Target> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (current().kind() != Kind.BLOCK_END) {
            if (!targets.isEmpty()) {
                expectOp(",");
            }
            targets.add(parseAssignTarget(true, false, Set.of()));
            expectOp("=");
            values.add(parseExpression(true));
        }
        List<Stmt> body = parseStatements(Set.of("endwith"), true);
        return new Stmts.With(line, targets, values, body);
    }

    private Target parseAssignTarget(boolean withTuple, boolean nameOnly, Set<String> extraEnd) {
        if (nameOnly) {
            return new Target.NameTarget(expect(Kind.NAME, null, "name").value());
        }
        Expr e = withTuple ? parseTuple(true, true, extraEnd, false) : parsePrimary();
        return toTarget(e);
    }

    private Target toTarget(Expr e) {
        if (e instanceof Exprs.Name n) {
            if (Set.of("true", "false", "none", "True", "False", "None").contains(n.name)) {
                throw fail("Can't assign to constant '" + n.name + "'", e.line);
            }
            return new Target.NameTarget(n.name);
        }
        if (e instanceof Exprs.TupleLit t) {
            List<Target> items = new ArrayList<>();
            for (Expr item : t.items) {
                items.add(toTarget(item));
            }
            return new Target.TupleTarget(items);
        }
        throw fail("Can't assign to " + e.getClass().getSimpleName().toLowerCase(), e.line);
    }

    // ------------------------------------------------------------------ expressions

    private boolean isTupleEnd(Set<String> extraEnd) {
        Token t = current();
        if (t.kind() == Kind.VAR_END || t.kind() == Kind.BLOCK_END || t.isOp(")")) {
            return true;
        }
        return t.kind() == Kind.NAME && extraEnd.contains(t.value());
    }

    private Expr parseTuple(boolean simplified, boolean withCondexpr, Set<String> extraEnd,
            boolean explicitParentheses) {
        enter();
        try {
            return parseTupleNested(simplified, withCondexpr, extraEnd, explicitParentheses);
        } finally {
            nesting--;
        }
    }

    private Expr parseTupleNested(boolean simplified, boolean withCondexpr, Set<String> extraEnd,
            boolean explicitParentheses) {
        int line = current().line();
        List<Expr> args = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!args.isEmpty()) {
                expectOp(",");
            }
            if (isTupleEnd(extraEnd)) {
                break;
            }
            args.add(simplified ? parsePrimary() : parseExpression(withCondexpr));
            if (current().isOp(",")) {
                isTuple = true;
            } else {
                break;
            }
        }
        if (!isTuple) {
            if (!args.isEmpty()) {
                return args.get(0);
            }
            if (!explicitParentheses) {
                throw fail("Expected an expression, got " + current().describe(), current().line());
            }
        }
        return new Exprs.TupleLit(line, args);
    }

    private Expr parseExpression(boolean withCondexpr) {
        enter();
        try {
            return withCondexpr ? parseCondexpr() : parseOr();
        } finally {
            nesting--;
        }
    }

    private Expr parseCondexpr() {
        int line = current().line();
        Expr expr1 = parseOr();
        while (skipName("if")) {
            Expr expr2 = parseOr();
            Expr expr3 = skipName("else") ? parseExpression(true) : null;
            expr1 = new Exprs.CondExpr(line, expr2, expr1, expr3);
            line = current().line();
        }
        return expr1;
    }

    private Expr parseOr() {
        int line = current().line();
        Expr left = parseAnd();
        while (skipName("or")) {
            left = new Exprs.Or(line, left, parseAnd());
            line = current().line();
        }
        return left;
    }

    private Expr parseAnd() {
        int line = current().line();
        Expr left = parseNot();
        while (skipName("and")) {
            left = new Exprs.And(line, left, parseNot());
            line = current().line();
        }
        return left;
    }

    private Expr parseNot() {
        if (current().isName("not")) {
            int line = next().line();
            enter();
            try {
                return new Exprs.Not(line, parseNot());
            } finally {
                nesting--;
            }
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        int line = current().line();
        Expr expr = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> operands = new ArrayList<>();
        while (true) {
            Token t = current();
            if (t.kind() == Kind.OPERATOR && COMPARE_OPS.contains(t.value())) {
                next();
                ops.add(t.value());
                operands.add(parseMath1());
            } else if (skipName("in")) {
                ops.add("in");
                operands.add(parseMath1());
            } else if (t.isName("not") && look().isName("in")) {
                next();
                next();
                ops.add("notin");
                operands.add(parseMath1());
            } else {
                break;
            }
        }
        return ops.isEmpty() ? expr : new Exprs.Compare(line, expr, ops, operands);
    }

    private Expr parseMath1() {
        int line = current().line();
        Expr left = parseConcat();
        while (current().isOp("+") || current().isOp("-")) {
            String op = next().value();
            left = new Exprs.BinOp(line, op, left, parseConcat());
            line = current().line();
        }
        return left;
    }

    private Expr parseConcat() {
        int line = current().line();
        List<Expr> args = new ArrayList<>();
        args.add(parseMath2());
        while (skipOp("~")) {
            args.add(parseMath2());
        }
        return args.size() == 1 ? args.get(0) : new Exprs.Concat(line, args);
    }

    private Expr parseMath2() {
        int line = current().line();
        Expr left = parsePow();
        while (current().isOp("*") || current().isOp("/") || current().isOp("//") || current().isOp("%")) {
            String op = next().value();
            left = new Exprs.BinOp(line, op, left, parsePow());
            line = current().line();
        }
        return left;
    }

    private Expr parsePow() {
        int line = current().line();
        Expr left = parseUnary(true);
        while (skipOp("**")) {
            left = new Exprs.BinOp(line, "**", left, parseUnary(true));
            line = current().line();
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        enter();
        try {
            return parseUnaryNested(withFilter);
        } finally {
            nesting--;
        }
    }

    private Expr parseUnaryNested(boolean withFilter) {
        Token t = current();
        Expr node;
        if (t.isOp("-")) {
            next();
            node = new Exprs.Neg(t.line(), parseUnary(false));
        } else if (t.isOp("+")) {
            next();
            node = new Exprs.Pos(t.line(), parseUnary(false));
        } else {
            node = parsePrimary();
        }
        node = parsePostfix(node);
        if (withFilter) {
            node = parseFilterExpr(node);
        }
        return node;
    }

    private Expr parsePrimary() {
        Token t = current();
        switch (t.kind()) {
            case NAME -> {
                next();
                return switch (t.value()) {
                    case "true", "True" -> new Exprs.Const(t.line(), Boolean.TRUE);
                    case "false", "False" -> new Exprs.Const(t.line(), Boolean.FALSE);
                    case "none", "None" -> new Exprs.Const(t.line(), null);
                    default -> {
                        for (Set<String> s : referencedNames) {
                            s.add(t.value());
                        }
                        yield new Exprs.Name(t.line(), t.value());
                    }
                };
            }
            case STRING -> {
                next();
                StringBuilder b = new StringBuilder(t.value());
                while (current().kind() == Kind.STRING) {
                    b.append(next().value());
                }
                return new Exprs.Const(t.line(), b.toString());
            }
            case INTEGER -> {
                next();
                try {
                    return new Exprs.Const(t.line(), Long.parseLong(t.value()));
                } catch (NumberFormatException e) {
                    throw fail("integer literal " + t.value() + " is too large", t.line());
                }
            }
            case FLOAT -> {
                next();
                return new Exprs.Const(t.line(), Double.parseDouble(t.value()));
            }
            case OPERATOR -> {
                if (t.isOp("(")) {
                    next();
                    Expr e = parseTuple(false, true, Set.of(), true);
                    expectOp(")");
                    return e;
                }
                if (t.isOp("[")) {
                    return parseList();
                }
                if (t.isOp("{")) {
                    return parseDict();
                }
                throw fail("unexpected " + t.describe(), t.line());
            }
            default -> throw fail("unexpected " + t.describe(), t.line());
        }
    }

    private Expr parseList() {
        int line = expectOp("[").line();
        List<Expr> items = new ArrayList<>();
        while (!current().isOp("]")) {
            if (!items.isEmpty()) {
                expectOp(",");
            }
            if (current().isOp("]")) {
                break;
            }
            items.add(parseExpression(true));
        }
        expectOp("]");
        return new Exprs.ListLit(line, items);
    }

    private Expr parseDict() {
        int line = expectOp("{").line();
        List<Expr> keys = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!current().isOp("}")) {
            if (!keys.isEmpty()) {
                expectOp(",");
            }
            if (current().isOp("}")) {
                break;
            }
            keys.add(parseExpression(true));
            expectOp(":");
            values.add(parseExpression(true));
        }
        expectOp("}");
        return new Exprs.DictLit(line, keys, values);
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            if (current().isOp(".") || current().isOp("[")) {
                node = parseSubscript(node);
            } else if (current().isOp("(")) {
                node = new Exprs.Call(current().line(), node, parseCallArgs());
            } else {
                return node;
            }
        }
    }

    private Expr parseFilterExpr(Expr node) {
        while (true) {
            if (current().isOp("|")) {
                node = parseFilter(node, false);
            } else if (current().isName("is")) {
                node = parseTest(node);
            } else if (current().isOp("(")) {
                node = new Exprs.Call(current().line(), node, parseCallArgs());
            } else {
                return node;
            }
        }
    }

    private Expr parseSubscript(Expr node) {
        Token t = next();
        if (t.isOp(".")) {
            Token attr = next();
            if (attr.kind() == Kind.NAME) {
                return new Exprs.Getattr(t.line(), node, attr.value());
            }
            if (attr.kind() != Kind.INTEGER) {
                throw fail("expected name or number after '.'", attr.line());
            }
            return new Exprs.Getitem(t.line(), node, new Exprs.Const(attr.line(), Long.parseLong(attr.value())));
        }
        List<Expr> args = new ArrayList<>();
        while (!current().isOp("]")) {
            if (!args.isEmpty()) {
                expectOp(",");
            }
            args.add(parseSubscribed());
        }
        expectOp("]");
        Expr arg = args.size() == 1 ? args.get(0) : new Exprs.TupleLit(t.line(), args);
        return new Exprs.Getitem(t.line(), node, arg);
    }

    private Expr parseSubscribed() {
        int line = current().line();
        Expr start = null;
        if (current().isOp(":")) {
            next();
        } else {
            Expr e = parseExpression(true);
            if (!current().isOp(":")) {
                return e;
            }
            next();
            start = e;
        }
        Expr stop = null;
        if (!current().isOp(":") && !current().isOp("]") && !current().isOp(",")) {
            stop = parseExpression(true);
        }
        Expr step = null;
        if (current().isOp(":")) {
            next();
            if (!current().isOp("]") && !current().isOp(",")) {
                step = parseExpression(true);
            }
        }
        return new Exprs.SliceExpr(line, start, stop, step);
    }

    private CallArgs parseCallArgs() {
        expectOp("(");
        List<Expr> args = new ArrayList<>();
        Map<String, Expr> kwargs = new LinkedHashMap<>();
        Expr dynArgs = null;
        Expr dynKwargs = null;
        boolean requireComma = false;
        while (!current().isOp(")")) {
            if (requireComma) {
                expectOp(",");
                if (current().isOp(")")) {
                    break;
                }
            }
            int line = current().line();
            if (current().isOp("*")) {
                if (dynArgs != null || dynKwargs != null) {
                    throw fail("invalid syntax for function call expression", line);
                }
                next();
                dynArgs = parseExpression(true);
            } else if (current().isOp("**")) {
                if (dynKwargs != null) {
                    throw fail("invalid syntax for function call expression", line);
                }
                next();
                dynKwargs = parseExpression(true);
            } else if (current().kind() == Kind.NAME && look().isOp("=")) {
                if (dynKwargs != null) {
                    throw fail("invalid syntax for function call expression", line);
                }
                String key = next().value();
                next();
                kwargs.put(key, parseExpression(true));
            } else {
                if (dynArgs != null || dynKwargs != null || !kwargs.isEmpty()) {
                    throw fail("invalid syntax for function call expression", line);
                }
                args.add(parseExpression(true));
            }
            requireComma = true;
        }
        expectOp(")");
        return new CallArgs(args, kwargs, dynArgs, dynKwargs);
    }

    private Expr parseFilter(Expr node, boolean startInline) {
        while (current().isOp("|") || startInline) {
            if (!startInline) {
                next();
            }
            Token t = expect(Kind.NAME, null, "filter name");
            StringBuilder filterName = new StringBuilder(t.value());
            while (current().isOp(".")) {
                next();
                filterName.append('.').append(expect(Kind.NAME, null, "name").value());
            }
            if (!Filters.exists(filterName.toString())) {
                throw fail("No filter named '" + filterName + "'.", t.line());
            }
            CallArgs args = current().isOp("(") ? parseCallArgs() : CallArgs.NONE;
            node = new Exprs.FilterCall(t.line(), node, filterName.toString(), args);
            startInline = false;
        }
        return node;
    }

    private Expr parseTest(Expr node) {
        Token is = next();
        boolean negated = skipName("not");
        Token t = expect(Kind.NAME, null, "test name");
        StringBuilder testName = new StringBuilder(t.value());
        while (current().isOp(".")) {
            next();
            testName.append('.').append(expect(Kind.NAME, null, "name").value());
        }
        if (!Tests.exists(testName.toString())) {
            throw fail("No test named '" + testName + "'.", t.line());
        }
        CallArgs args;
        Token c = current();
        boolean argStart = c.kind() == Kind.NAME || c.kind() == Kind.STRING || c.kind() == Kind.INTEGER
                || c.kind() == Kind.FLOAT || c.isOp("(") || c.isOp("[") || c.isOp("{");
        if (c.isOp("(")) {
            args = parseCallArgs();
        } else if (argStart && !c.isName("else") && !c.isName("or") && !c.isName("and")) {
            if (c.isName("is")) {
                throw fail("You cannot chain multiple tests with is", c.line());
            }
            Expr arg = parsePostfix(parsePrimary());
            args = new CallArgs(List.of(arg), new LinkedHashMap<>(), null, null);
        } else {
            args = CallArgs.NONE;
        }
        return new Exprs.TestCall(is.line(), node, testName.toString(), args, negated);
    }
}
