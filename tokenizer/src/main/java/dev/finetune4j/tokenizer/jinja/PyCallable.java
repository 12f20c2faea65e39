package dev.finetune4j.tokenizer.jinja;

import java.util.List;
import java.util.Map;

/** Anything a template can call: global functions, bound string/dict methods, macros. */
@FunctionalInterface
interface PyCallable {
    Object call(List<Object> args, Map<String, Object> kwargs);
}
