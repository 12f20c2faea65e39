package dev.finetune4j.hub;

/** Checks file names that come from a repository (or a server) before they become paths in the cache. */
final class RepoPaths {

    private RepoPaths() {
    }

    /**
     * Returns {@code path} when it is a safe relative {@code /}-separated path: no empty, {@code .} or {@code ..}
     * segment, no backslash, no NUL, not absolute.
     *
     * @throws IllegalArgumentException otherwise (naming the repo)
     */
    static String checkRelative(String path, String repoId) {
        if (path.isEmpty()) {
            return path;
        }
        if (path.length() > 1000 || path.startsWith("/") || path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("unsafe file name '" + path + "' in " + repoId);
        }
        for (String seg : path.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                throw new IllegalArgumentException("unsafe file name '" + path + "' in " + repoId);
            }
        }
        return path;
    }

    /** Whether an etag is usable as a blob file name (hex, as the Hub sends git-sha1 / sha256 etags). */
    static boolean safeEtag(String etag) {
        return etag != null && etag.matches("[A-Za-z0-9._-]{8,128}") && !etag.startsWith(".");
    }
}
