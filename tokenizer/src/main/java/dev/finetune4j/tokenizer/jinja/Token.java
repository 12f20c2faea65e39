package dev.finetune4j.tokenizer.jinja;

/** One lexer token; {@code value} is the text for data, names, operators, and the decoded literal for strings. */
record Token(Kind kind, String value, int line) {
    enum Kind { DATA, BLOCK_BEGIN, BLOCK_END, VAR_BEGIN, VAR_END, NAME, STRING, INTEGER, FLOAT, OPERATOR, EOF }

    boolean isName(String v) {
        return kind == Kind.NAME && value.equals(v);
    }

    boolean isOp(String v) {
        return kind == Kind.OPERATOR && value.equals(v);
    }

    String describe() {
        return switch (kind) {
            case EOF -> "end of template";
            case STRING -> "string literal";
            case DATA -> "template data";
            case BLOCK_END -> "'%}'";
            case VAR_END -> "'}}'";
            default -> "'" + value + "'";
        };
    }
}
