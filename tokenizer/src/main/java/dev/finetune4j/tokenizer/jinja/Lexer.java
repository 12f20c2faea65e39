package dev.finetune4j.tokenizer.jinja;

import dev.finetune4j.tokenizer.jinja.Token.Kind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Splits template source into tokens with Jinja2 3.1's lexer rules: {@code {{ }}}, {@code {% %}}, {@code {# #}},
 * {@code {% raw %}}, the {@code -}/{@code +} modifiers, {@code trim_blocks}, {@code lstrip_blocks} (only when the tag
 * starts its line), newline normalisation to {@code \n} and dropping one trailing newline unless
 * {@code keep_trailing_newline}. Inside tags, end delimiters only count outside brackets (Jinja's balancing stack).
 */
final class Lexer {
    private static final String[] OPERATORS = {"**", "//", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~",
        "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"};

    private final String name;
    private final WhitespaceOptions options;
    private final String src;
    private final int n;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private int line = 1;
    private boolean lineStarting = true;

    Lexer(String source, String name, WhitespaceOptions options) {
        this.name = name;
        this.options = options;
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (!options.keepTrailingNewline() && s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1);
        }
        this.src = s;
        this.n = s.length();
    }

    List<Token> tokenize() {
        while (pos < n) {
            int start = nextTagStart(pos);
            if (start < 0) {
                data(src.substring(pos), src.substring(pos));
                pos = n;
                break;
            }
            char kind = src.charAt(start + 1);
            int afterBegin = start + 2;
            char sign = afterBegin < n ? src.charAt(afterBegin) : 0;
            if (sign != '-' && sign != '+') {
                sign = 0;
            } else {
                afterBegin++;
            }
            int rawEnd = kind == '%' ? matchRawBegin(afterBegin) : -1;
            String original = src.substring(pos, start);
            data(applyLeftStrip(original, sign, kind != '{'), original);
            pos = afterBegin;
            lineStarting = false;
            if (rawEnd >= 0) {
                countLines(start, rawEnd);
                pos = rawEnd;
                lexRawBody();
            } else if (kind == '#') {
                lexComment();
            } else {
                tokens.add(new Token(kind == '%' ? Kind.BLOCK_BEGIN : Kind.VAR_BEGIN, kind == '%' ? "{%" : "{{",
                        line));
                lexTag(kind == '%');
            }
        }
        tokens.add(new Token(Kind.EOF, "", line));
        return tokens;
    }

    private int nextTagStart(int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < n; i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** The text before a tag, after {@code -} stripping or lstrip_blocks. */
    private String applyLeftStrip(String text, char sign, boolean blockOrComment) {
        if (sign == '-') {
            return Py.rstrip(text);
        }
        if (sign != '+' && options.lstripBlocks() && blockOrComment) {
            int lpos = text.lastIndexOf('\n') + 1;
            if (lpos > 0 || lineStarting) {
                String tail = text.substring(lpos);
                if (!tail.isEmpty() && Py.isBlank(tail)) {
                    return text.substring(0, lpos);
                }
            }
        }
        return text;
    }

    private void data(String text, String original) {
        if (!text.isEmpty()) {
            tokens.add(new Token(Kind.DATA, text, line));
        }
        countLines(original);
    }

    private void countLines(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                line++;
            }
        }
    }

    private void countLines(int from, int to) {
        countLines(src.substring(from, to));
    }

    /** {@code \s*raw\s*(-%}\s*|%})} after the tag start; returns the end position or -1. */
    private int matchRawBegin(int p) {
        int i = skipSpace(p);
        if (!src.startsWith("raw", i)) {
            return -1;
        }
        i = skipSpace(i + 3);
        if (src.startsWith("-%}", i)) {
            return skipSpace(i + 3);
        }
        if (src.startsWith("%}", i)) {
            return i + 2;
        }
        return -1;
    }

    private int skipSpace(int p) {
        while (p < n && Py.isSpace(src.charAt(p))) {
            p++;
        }
        return p;
    }

    private void lexRawBody() {
        int search = pos;
        while (true) {
            int start = src.indexOf("{%", search);
            if (start < 0) {
                throw new TemplateSyntaxException(name, line, "missing {% endraw %} for {% raw %}");
            }
            int i = start + 2;
            char sign = i < n ? src.charAt(i) : 0;
            if (sign == '-' || sign == '+') {
                i++;
            } else {
                sign = 0;
            }
            i = skipSpace(i);
            if (src.startsWith("endraw", i)) {
                i = skipSpace(i + 6);
                int end = matchBlockEnd(i);
                if (end >= 0) {
                    String original = src.substring(pos, start);
                    data(applyLeftStrip(original, sign, true), original);
                    countLines(start, end);
                    lineStarting = src.charAt(end - 1) == '\n';
                    pos = end;
                    return;
                }
            }
            search = start + 2;
        }
    }

    /** {@code +%}}, {@code -%}\s*} or {@code %}\n?} (trim_blocks) at {@code i}; the end position or -1. */
    private int matchBlockEnd(int i) {
        if (src.startsWith("+%}", i)) {
            return i + 3;
        }
        if (src.startsWith("-%}", i)) {
            return skipSpace(i + 3);
        }
        if (src.startsWith("%}", i)) {
            return i + 2 + (options.trimBlocks() && i + 2 < n && src.charAt(i + 2) == '\n' ? 1 : 0);
        }
        return -1;
    }

    private void lexComment() {
        int startLine = line;
        int i = src.indexOf("#}", pos);
        if (i < 0) {
            throw new TemplateSyntaxException(name, startLine, "unclosed comment: missing '#}'");
        }
        int end;
        if (i - 1 >= pos && src.charAt(i - 1) == '+') {
            end = i + 2;
        } else if (i - 1 >= pos && src.charAt(i - 1) == '-') {
            end = skipSpace(i + 2);
        } else {
            end = i + 2 + (options.trimBlocks() && i + 2 < n && src.charAt(i + 2) == '\n' ? 1 : 0);
        }
        countLines(pos, end);
        lineStarting = end > 0 && src.charAt(end - 1) == '\n';
        pos = end;
    }

    private void lexTag(boolean block) {
        int tagLine = line;
        Deque<Character> balance = new ArrayDeque<>();
        while (true) {
            int p = skipSpace(pos);
            countLines(pos, p);
            pos = p;
            if (pos >= n) {
                throw new TemplateSyntaxException(name, tagLine, "unexpected end of template: missing '"
                        + (block ? "%}" : "}}") + "'");
            }
            if (balance.isEmpty()) {
                int end = block ? matchBlockEnd(pos) : matchVariableEnd(pos);
                if (end >= 0) {
                    tokens.add(new Token(block ? Kind.BLOCK_END : Kind.VAR_END, block ? "%}" : "}}", line));
                    countLines(pos, end);
                    lineStarting = src.charAt(end - 1) == '\n';
                    pos = end;
                    return;
                }
            }
            char c = src.charAt(pos);
            if (c == '\'' || c == '"') {
                lexString(c);
            } else if (Character.isDigit(c)) {
                lexNumber();
            } else if (Character.isLetter(c) || c == '_') {
                int s = pos;
                while (pos < n && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
                    pos++;
                }
                tokens.add(new Token(Kind.NAME, src.substring(s, pos), line));
            } else {
                String op = null;
                for (String o : OPERATORS) {
                    if (src.startsWith(o, pos)) {
                        op = o;
                        break;
                    }
                }
                if (op == null) {
                    throw new TemplateSyntaxException(name, line, "unexpected char '" + c + "'");
                }
                if (op.equals("(") || op.equals("[") || op.equals("{")) {
                    balance.push(op.charAt(0));
                } else if (op.equals(")") || op.equals("]") || op.equals("}")) {
                    char open = op.equals(")") ? '(' : op.equals("]") ? '[' : '{';
                    if (balance.isEmpty()) {
                        throw new TemplateSyntaxException(name, line, "unexpected '" + op + "'");
                    }
                    if (balance.peek() != open) {
                        throw new TemplateSyntaxException(name, line, "unexpected '" + op + "', expected '"
                                + closing(balance.peek()) + "'");
                    }
                    balance.pop();
                }
                tokens.add(new Token(Kind.OPERATOR, op, line));
                pos += op.length();
            }
        }
    }

    private static char closing(char open) {
        return open == '(' ? ')' : open == '[' ? ']' : '}';
    }

    private int matchVariableEnd(int i) {
        if (src.startsWith("-}}", i)) {
            return skipSpace(i + 3);
        }
        if (src.startsWith("}}", i)) {
            return i + 2;
        }
        return -1;
    }

    private void lexString(char quote) {
        int startLine = line;
        int i = pos + 1;
        while (i < n && src.charAt(i) != quote) {
            if (src.charAt(i) == '\\') {
                i++;
            }
            i++;
        }
        if (i >= n) {
            throw new TemplateSyntaxException(name, startLine, "unterminated string literal");
        }
        String raw = src.substring(pos + 1, i);
        tokens.add(new Token(Kind.STRING, unescape(raw, startLine), startLine));
        countLines(raw);
        pos = i + 1;
    }

    /** Python's unicode-escape decoding, as Jinja applies it to string literals. */
    private String unescape(String s, int l) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                b.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case '\n' -> { }
                case '\\' -> b.append('\\');
                case '\'' -> b.append('\'');
                case '"' -> b.append('"');
                case 'a' -> b.append('\u0007');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'v' -> b.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + len >= s.length()) {
                        throw new TemplateSyntaxException(name, l, "truncated \\" + e + " escape in string literal");
                    }
                    String hex = s.substring(i + 1, i + 1 + len);
                    int cp;
                    try {
                        cp = Integer.parseInt(hex, 16);
                    } catch (NumberFormatException ex) {
                        throw new TemplateSyntaxException(name, l, "bad \\" + e + " escape in string literal");
                    }
                    b.appendCodePoint(cp);
                    i += len;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int j = i;
                        int v = 0;
                        while (j < s.length() && j < i + 3 && s.charAt(j) >= '0' && s.charAt(j) <= '7') {
                            v = v * 8 + (s.charAt(j) - '0');
                            j++;
                        }
                        b.append((char) v);
                        i = j - 1;
                    } else {
                        b.append('\\').append(e);
                    }
                }
            }
        }
        return b.toString();
    }

    private void lexNumber() {
        int s = pos;
        int i = digits(pos);
        boolean isFloat = false;
        if (i + 1 < n && src.charAt(i) == '.' && Character.isDigit(src.charAt(i + 1))
                && !(s > 0 && src.charAt(s - 1) == '.')) {
            i = digits(i + 1);
            isFloat = true;
        }
        if (i < n && (src.charAt(i) == 'e' || src.charAt(i) == 'E') && !(s > 0 && src.charAt(s - 1) == '.')) {
            int j = i + 1;
            if (j < n && (src.charAt(j) == '+' || src.charAt(j) == '-')) {
                j++;
            }
            if (j < n && Character.isDigit(src.charAt(j))) {
                i = digits(j);
                isFloat = true;
            }
        }
        String text = src.substring(s, i).replace("_", "");
        tokens.add(new Token(isFloat ? Kind.FLOAT : Kind.INTEGER, text, line));
        pos = i;
    }

    private int digits(int i) {
        while (i < n && (Character.isDigit(src.charAt(i))
                || (src.charAt(i) == '_' && i + 1 < n && Character.isDigit(src.charAt(i + 1))))) {
            i++;
        }
        return i;
    }
}
