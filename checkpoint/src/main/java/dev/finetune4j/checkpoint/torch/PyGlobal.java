package dev.finetune4j.checkpoint.torch;

/** A pickled global reference ({@code module.name}) that passed the allow-list, e.g. {@code torch.float32}. */
public record PyGlobal(String module, String name) {
    /** "module.name". */
    public String qualifiedName() {
        return module + "." + name;
    }

    @Override
    public String toString() {
        return qualifiedName();
    }
}
