package dev.finetune4j.hub;

import java.util.regex.Pattern;

/**
 * A Hub repository at a revision: {@code org/name[@revision]} ({@code main} when no revision is given).
 *
 * @param type     model or dataset
 * @param id       {@code org/name}
 * @param revision branch, tag or 40-hex commit
 */
public record RepoRef(RepoType type, String id, String revision) {

    /** The revision used when none is given. */
    public static final String DEFAULT_REVISION = "main";
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9._/-]{1,200}");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    public RepoRef {
        if (!isRepoId(id)) {
            throw new IllegalArgumentException("'" + id + "' is not a Hub repo id: expected org/name (letters, digits, . _ -)");
        }
        if (revision == null || revision.isEmpty()) {
            revision = DEFAULT_REVISION;
        }
        if (!REVISION.matcher(revision).matches() || revision.contains("..") || revision.startsWith("/")) {
            throw new IllegalArgumentException("'" + revision + "' is not a valid revision of " + id
                    + ": expected a branch, tag or commit (letters, digits, . _ / -)");
        }
    }

    /** Parses {@code org/name[@revision]}. */
    public static RepoRef parse(RepoType type, String ref) {
        int at = ref.indexOf('@');
        return at < 0 ? new RepoRef(type, ref, DEFAULT_REVISION) : new RepoRef(type, ref.substring(0, at), ref.substring(at + 1));
    }

    /** Whether {@code s} has the shape {@code org/name[@revision]} (says nothing about the repo existing). */
    public static boolean looksLikeRef(String s) {
        int at = s.indexOf('@');
        String id = at < 0 ? s : s.substring(0, at);
        String rev = at < 0 ? DEFAULT_REVISION : s.substring(at + 1);
        return isRepoId(id) && REVISION.matcher(rev).matches() && !rev.contains("..");
    }

    private static boolean isRepoId(String id) {
        if (id == null) {
            return false;
        }
        String[] parts = id.split("/", -1);
        return parts.length == 2 && PART.matcher(parts[0]).matches() && PART.matcher(parts[1]).matches()
                && !parts[1].endsWith(".") && !id.contains("..") && !id.contains("--");
    }

    /** Whether the revision is a full commit sha (the cache can then answer without asking the Hub). */
    public boolean pinned() {
        return isCommit(revision);
    }

    /** Whether {@code s} is a 40-hex commit sha. */
    static boolean isCommit(String s) {
        return s != null && COMMIT.matcher(s).matches();
    }

    /** The same repo at another revision. */
    public RepoRef at(String rev) {
        return new RepoRef(type, id, rev);
    }

    /** {@code models--org--name}: the repo's folder in the cache. */
    public String cacheFolderName() {
        return type.plural() + "--" + id.replace("/", "--");
    }

    @Override
    public String toString() {
        return (type == RepoType.DATASET ? "dataset " : "") + id + (revision.equals(DEFAULT_REVISION) ? "" : "@" + revision);
    }
}
