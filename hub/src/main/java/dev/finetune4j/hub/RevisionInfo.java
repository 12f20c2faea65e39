package dev.finetune4j.hub;

import java.util.List;

/**
 * What {@code /api/{models|datasets}/{repo}/revision/{rev}} says about a revision.
 *
 * @param commit the 40-hex commit sha the revision points at
 * @param files  the repository's files ({@code siblings[].rfilename}), {@code /}-separated
 */
public record RevisionInfo(String commit, List<String> files) {

    public RevisionInfo {
        files = List.copyOf(files);
    }
}
