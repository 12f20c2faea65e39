package dev.finetune4j.hub;

/** A Hub request or cache look-up that failed; the message is one line saying which repo and what to do. */
public class HubException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** {@code X-Error-Code: RepoNotFound} (or 401 without a code): missing, private, or no valid token. */
        REPO_NOT_FOUND,
        /** {@code X-Error-Code: GatedRepo}: the licence must be accepted on the repo page. */
        GATED,
        /** {@code X-Error-Code: EntryNotFound}: no such file at that revision. */
        ENTRY_NOT_FOUND,
        /** {@code X-Error-Code: RevisionNotFound}: no such branch, tag or commit. */
        REVISION_NOT_FOUND,
        /** Offline (or unreachable) and the cache does not hold what was asked for. */
        NOT_CACHED,
        /** The connection failed or timed out after the retries, or the server answered something unusable. */
        NETWORK,
        /** A download does not match its size or sha256. */
        INTEGRITY
    }

    private final Reason reason;

    public HubException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public HubException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Why it failed. */
    public Reason reason() {
        return reason;
    }
}
