package dev.finetune4j.hub;

/**
 * A path inside a Hub repository as huggingface_hub's filesystem spells it:
 * {@code hf://datasets/org/name[@revision]/path/in/repo} (or {@code hf://org/name...} for a model).
 *
 * @param repo the repository and revision
 * @param path the file or folder inside it, {@code /}-separated; empty = the whole repository
 */
public record HfUri(RepoRef repo, String path) {

    /** The scheme prefix. */
    public static final String SCHEME = "hf://";

    public HfUri {
        path = RepoPaths.checkRelative(path == null ? "" : stripSlashes(path), repo.id());
    }

    /** Whether {@code s} starts with {@code hf://}. */
    public static boolean isHfUri(String s) {
        return s != null && s.startsWith(SCHEME);
    }

    /**
     * Parses an {@code hf://} reference.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static HfUri parse(String uri) {
        if (!isHfUri(uri)) {
            throw new IllegalArgumentException("'" + uri + "' is not an hf:// path");
        }
        String rest = uri.substring(SCHEME.length());
        RepoType type = RepoType.MODEL;
        if (rest.startsWith("datasets/")) {
            type = RepoType.DATASET;
            rest = rest.substring("datasets/".length());
        } else if (rest.startsWith("models/")) {
            rest = rest.substring("models/".length());
        } else if (rest.startsWith("spaces/")) {
            throw new IllegalArgumentException("'" + uri + "': Spaces are not supported, only models and datasets");
        }
        String[] parts = rest.split("/", 3);
        if (parts.length < 2) {
            throw new IllegalArgumentException("'" + uri + "' must look like hf://datasets/org/name[@revision]/path/in/repo");
        }
        String name = parts[1];
        String revision = RepoRef.DEFAULT_REVISION;
        int at = name.indexOf('@');
        String tail = parts.length == 3 ? parts[2] : "";
        if (at >= 0) {
            revision = name.substring(at + 1);
            name = name.substring(0, at);
            // a revision may hold '/' only when url-encoded (as huggingface_hub's filesystem writes refs/pr/1)
            revision = revision.replace("%2F", "/").replace("%2f", "/");
        }
        try {
            return new HfUri(new RepoRef(type, parts[0] + "/" + name, revision), tail);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + uri + "': " + e.getMessage(), e);
        }
    }

    private static String stripSlashes(String p) {
        int a = 0;
        int b = p.length();
        while (a < b && p.charAt(a) == '/') {
            a++;
        }
        while (b > a && p.charAt(b - 1) == '/') {
            b--;
        }
        return p.substring(a, b);
    }

    @Override
    public String toString() {
        return SCHEME + repo.type().urlPrefix() + repo.id()
                + (repo.revision().equals(RepoRef.DEFAULT_REVISION) ? "" : "@" + repo.revision().replace("/", "%2F"))
                + (path.isEmpty() ? "" : "/" + path);
    }
}
