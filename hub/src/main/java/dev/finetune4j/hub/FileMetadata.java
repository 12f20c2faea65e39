package dev.finetune4j.hub;

import java.net.URI;

/**
 * What a {@code HEAD} on {@code /resolve/{rev}/{file}} says about a file.
 *
 * @param commit   {@code X-Repo-Commit}
 * @param etag     {@code X-Linked-Etag} (LFS: the sha256) or else {@code ETag} (git-sha1), quotes and {@code W/} removed
 * @param size     {@code X-Linked-Size} or else {@code Content-Length}; -1 when neither is sent
 * @param location where to GET the bytes: the CDN URL of a redirect, else the resolve URL
 */
public record FileMetadata(String commit, String etag, long size, URI location) {

    /** Removes a weak-validator prefix and the quotes. */
    static String normalizeEtag(String raw) {
        String e = raw.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e;
    }
}
