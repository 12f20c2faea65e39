package dev.finetune4j.data;

import java.util.List;
import java.util.Optional;

/**
 * The result of {@link DatasetPreparer#prepare}: packed train (and eval) splits, their token statistics and what
 * validation found.
 *
 * @param trainReport validation of the train data path
 * @param evalReport  validation of the eval data path (empty report when eval is split from train or absent)
 * @param trainStats  token statistics of the train split
 * @param evalStats   token statistics of the eval split, if there is one
 * @param train       the packed train split
 * @param eval        the packed eval split, if there is one
 * @param cacheHits   how many data paths came from the token cache (0 = everything was tokenized now)
 * @param failures    why a training run would refuse this data (only from {@link DatasetPreparer#validate};
 *                    {@link DatasetPreparer#prepare} throws instead)
 */
public record PreparedData(ValidationReport trainReport, ValidationReport evalReport, TokenStatistics trainStats,
                           Optional<TokenStatistics> evalStats, PackedDataset train, Optional<PackedDataset> eval,
                           int cacheHits, List<String> failures) {

    public PreparedData {
        failures = List.copyOf(failures);
    }

    /** Whether a training run would accept this data. */
    public boolean ok() {
        return failures.isEmpty();
    }

    /** Train and eval validation together. */
    public ValidationReport report() {
        return trainReport.merge(evalReport);
    }

    /** The validation report plus token statistics, as {@code finetune4j validate} prints them. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        sb.append("== train data ==\n").append(trainReport.format()).append(trainStats.format()).append('\n');
        evalStats.ifPresent(s -> {
            if (evalReport.samples() == 0) { // split off the train data (validation_split_ratio)
                sb.append("== eval data (held out from the train data) ==\n");
            } else {
                sb.append("== eval data ==\n").append(evalReport.format());
            }
            sb.append(s.format()).append('\n');
        });
        failures.forEach(f -> sb.append("FAIL: ").append(f).append('\n'));
        if (cacheHits > 0) {
            sb.append("(token cache used for ").append(cacheHits).append(" data path(s))\n");
        }
        return sb.toString();
    }
}
