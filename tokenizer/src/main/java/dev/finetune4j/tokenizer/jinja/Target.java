package dev.finetune4j.tokenizer.jinja;

import java.util.List;

/** The left side of an assignment: a name, a tuple of targets, or a namespace attribute {@code ns.attr}. */
abstract class Target {
    abstract void assign(Frame frame, Object value);

    static final class NameTarget extends Target {
        final String name;

        NameTarget(String name) {
            this.name = name;
        }

        @Override
        void assign(Frame frame, Object value) {
            frame.set(name, value);
        }
    }

    static final class TupleTarget extends Target {
        final List<Target> items;

        TupleTarget(List<Target> items) {
            this.items = items;
        }

        @Override
        void assign(Frame frame, Object value) {
            List<Object> values = Py.iterate(value);
            if (values.size() < items.size()) {
                throw new TemplateRuntimeException("ValueError: not enough values to unpack (expected "
                        + items.size() + ", got " + values.size() + ")");
            }
            if (values.size() > items.size()) {
                throw new TemplateRuntimeException("ValueError: too many values to unpack (expected "
                        + items.size() + ")");
            }
            for (int i = 0; i < items.size(); i++) {
                items.get(i).assign(frame, values.get(i));
            }
        }
    }

    static final class NamespaceTarget extends Target {
        final String name;
        final String attribute;

        NamespaceTarget(String name, String attribute) {
            this.name = name;
            this.attribute = attribute;
        }

        @Override
        void assign(Frame frame, Object value) {
            Object ns = frame.lookup(name);
            if (!(ns instanceof Namespace namespace)) {
                throw new TemplateRuntimeException("TemplateRuntimeError: cannot assign attribute on non-namespace "
                        + "object '" + name + "'");
            }
            namespace.attributes.put(attribute, value);
        }
    }
}
