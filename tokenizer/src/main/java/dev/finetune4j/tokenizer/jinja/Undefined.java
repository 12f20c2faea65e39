package dev.finetune4j.tokenizer.jinja;

/**
 * Jinja2's default {@code Undefined}: prints as the empty string, is falsy, iterates as empty, has length 0, equals any
 * other Undefined; every other use (attribute, item, call, arithmetic, comparison) fails with an UndefinedError.
 */
final class Undefined {
    private final String message;

    private Undefined(String message) {
        this.message = message;
    }

    /** An undefined variable. */
    static Undefined variable(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    /** A missing attribute or item of {@code owner}. */
    static Undefined member(Object owner, Object key) {
        if (key instanceof String s) {
            return new Undefined("'" + Py.typeName(owner) + "' object has no attribute '" + s + "'");
        }
        return new Undefined("'" + Py.typeName(owner) + "' object has no element " + Py.repr(key));
    }

    /** The sandbox's answer for a method that would mutate a list or dict. */
    static Undefined unsafe(Object owner, String attribute) {
        return new Undefined("access to attribute '" + attribute + "' of '" + Py.typeName(owner)
                + "' object is unsafe.");
    }

    /** An undefined with a custom hint (e.g. the false branch of {@code x if cond}). */
    static Undefined hint(String message) {
        return new Undefined(message);
    }

    /** The UndefinedError to throw when this value is used. */
    TemplateRuntimeException fail() {
        return new TemplateRuntimeException("UndefinedError: " + message);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Undefined;
    }

    @Override
    public int hashCode() {
        return 0;
    }

    @Override
    public String toString() {
        return "";
    }
}
