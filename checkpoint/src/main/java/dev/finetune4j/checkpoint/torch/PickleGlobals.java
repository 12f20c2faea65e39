package dev.finetune4j.checkpoint.torch;

import java.util.Map;

/** What the unpickler may construct: resolves GLOBALs against an allow-list and applies REDUCE, NEWOBJ and BUILD. */
interface PickleGlobals {
    /** The value of {@code module.name}; throws a format exception naming it when it is not allowed. */
    Object find(String module, String name);

    /** {@code callable(*args)} (REDUCE). */
    Object call(Object callable, PyTuple args);

    /** {@code cls.__new__(cls, *args, **kwargs)} (NEWOBJ, NEWOBJ_EX). */
    Object newObject(Object cls, PyTuple args, Map<Object, Object> kwargs);

    /** Applies {@code __setstate__}; returns the object that stays on the stack. */
    Object build(Object obj, Object state);
}
