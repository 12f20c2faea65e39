package dev.finetune4j.hub;

import java.net.http.HttpResponse;

/**
 * Turns a Hub error answer into one line: the {@code X-Error-Code} header says which (as huggingface_hub's
 * {@code hf_raise_for_status} reads it: RepoNotFound, GatedRepo, EntryNotFound, RevisionNotFound), the message says
 * which repo and what to do (docs/hub.md "Protocol" (Errors)).
 */
final class HubErrors {

    private HubErrors() {
    }

    /** Throws when {@code r} is an error answer (4xx/5xx). */
    static void check(HttpResponse<?> r, RepoRef repo, String file, boolean hasToken, java.net.URI endpoint) {
        int s = r.statusCode();
        if (s < 400) {
            return;
        }
        HubErrors.discardQuietly(r);
        String code = r.headers().firstValue("X-Error-Code").orElse("");
        String serverMessage = r.headers().firstValue("X-Error-Message").map(m -> " (Hub: " + oneLine(m) + ")").orElse("");
        String what = file == null ? repo.toString() : "'" + file + "' of " + repo;
        String page = pageUrl(endpoint, repo);
        switch (code) {
            case "GatedRepo" -> throw new HubException(HubException.Reason.GATED, repo.id() + " is a gated repository: "
                    + (hasToken ? "accept its licence on " + page + " with the account of your HF_TOKEN"
                    : "accept its licence on " + page + " and set HF_TOKEN (or HF_HOME/token) to a token of that account")
                    + serverMessage);
            case "RevisionNotFound" -> throw new HubException(HubException.Reason.REVISION_NOT_FOUND, "revision '"
                    + repo.revision() + "' not found in " + repo.id() + ": check the branch, tag or commit after '@'" + serverMessage);
            case "EntryNotFound" -> throw new HubException(HubException.Reason.ENTRY_NOT_FOUND, "file '" + file
                    + "' not found in " + repo + ": check the file name (the repo exists)" + serverMessage);
            case "RepoNotFound" -> throw repoNotFound(repo, hasToken, serverMessage);
            default -> {
                if (s == 401 && hasToken && r.headers().firstValue("X-Error-Message").orElse("").startsWith("Invalid credentials")) {
                    throw new HubException(HubException.Reason.REPO_NOT_FOUND, "the Hub refused the token in HF_TOKEN (or HF_HOME/token) as "
                            + "invalid while fetching " + what + ": create a new read token and set HF_TOKEN to it" + serverMessage);
                }
                if (s == 401) {
                    throw repoNotFound(repo, hasToken, serverMessage);
                }
                if (s == 404) {
                    throw new HubException(HubException.Reason.ENTRY_NOT_FOUND, what + " not found (HTTP 404)" + serverMessage);
                }
                if (s == 403) {
                    throw new HubException(HubException.Reason.REPO_NOT_FOUND, "access to " + what + " refused (HTTP 403): "
                            + (hasToken ? "the token in HF_TOKEN lacks read access" : "set HF_TOKEN") + serverMessage);
                }
                throw new HubException(HubException.Reason.NETWORK, "the Hub answered HTTP " + s + " for " + what
                        + (s >= 500 || s == 429 ? " on every retry; try again later" : "") + serverMessage);
            }
        }
    }

    private static HubException repoNotFound(RepoRef repo, boolean hasToken, String serverMessage) {
        String kind = repo.type() == RepoType.DATASET ? "dataset" : "model";
        return new HubException(HubException.Reason.REPO_NOT_FOUND, kind + " repository " + repo.id() + " not found: check the name"
                + (hasToken ? " and that the account of HF_TOKEN can read it"
                : "; if it is private, set HF_TOKEN (or HF_HOME/token) to a token that can read it") + serverMessage);
    }

    static String pageUrl(java.net.URI endpoint, RepoRef repo) {
        return endpoint + "/" + repo.type().urlPrefix() + repo.id();
    }

    private static String oneLine(String s) {
        String t = s.replaceAll("[\\r\\n\\t]+", " ").strip();
        return t.length() > 300 ? t.substring(0, 300) + "…" : t;
    }

    private static void discardQuietly(HttpResponse<?> r) {
        HubHttp.discard(r);
    }
}
