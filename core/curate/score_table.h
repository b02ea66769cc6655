// A run's scores side by side: the derived scores (LongAttn's per-run combination, rank
// averages), how two scores agree (Spearman, Kendall per domain, the samples they disagree
// on most) and how each follows a sample's surface features (the confound check). One
// definition for `ladm stats --compare / --confounds`, `ladm select --score` and the app.
//
//   auto rows = cache->results(run);
//   add_derived_scores(&rows, {"longattn", "cds+lexical"}, &err);
//   auto agree = score_agreement(rows, "cds", "lexical");
#pragma once

#include "core/store/cache.h"

#include <string>
#include <vector>

namespace ladm {

// Adds the named derived scores to every row's `scores` (rows lacking an input get none):
// - "longattn": LongAttn's ranking score over the run (its DataProcess.py, DateSorted.
//   sorted_file): minmax01(longattn_proportion) - 0.5 * minmax01(longattn_uniformity),
//   both min-max normalised over the rows that have them (0.5 when all are equal);
// - "A+B[+C...]": the rank average: the mean over the scores of each row's rank among the
//   rows that have every one of them, as a fraction in [0, 1] (ties share their mean rank).
// Stored names ("cds", "lexical", "longattn_proportion"...) need nothing. false + *error
// naming the score when one is unknown or a part of a sum is missing from every row.
bool add_derived_scores(std::vector<ResultRow>* rows, const std::vector<std::string>& names,
                        std::string* error);
// add_derived_scores for each name on its own; returns the names some row has (a run's
// lcgain before any sample longer than its window is scored is left out), in order.
std::vector<std::string> present_scores(std::vector<ResultRow>* rows,
                                        const std::vector<std::string>& names);

// Each row's value of a score (ResultRow::score: NaN when it has none; status not ok: NaN).
std::vector<double> score_values(const std::vector<ResultRow>& rows, const std::string& name);

// Rank correlations over the pairs where both are finite (NaN below 3 pairs): Spearman's
// rho (Pearson of average ranks) and Kendall's tau-b (ties in either counted as in
// scipy.stats.kendalltau), O(n log n).
double spearman(const std::vector<double>& x, const std::vector<double>& y);
double kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y);

struct Agreement {
    std::string domain; // "(all)" for the whole run
    int64_t pairs = 0;
    double spearman = 0, kendall = 0;
};
// Per domain (sorted) and "(all)" last.
std::vector<Agreement> score_agreement(const std::vector<ResultRow>& rows, const std::string& a,
                                       const std::string& b);

struct Disagreement {
    int64_t sample_id = 0;
    std::string key, domain;
    double a = 0, b = 0;           // the two scores
    double rank_a = 0, rank_b = 0; // as fractions in [0, 1] within the run
};
// The n samples whose ranks under a and b differ most (high on one, low on the other),
// largest difference first.
std::vector<Disagreement> disagreements(const std::vector<ResultRow>& rows, const std::string& a,
                                        const std::string& b, size_t n);

// The surface features the confound check compares with: "tokens" and those the scoring
// run measured (core/text/surface.h).
std::vector<std::string> confound_features(const std::vector<ResultRow>& rows);

struct Confound {
    std::string score, domain, feature;
    int64_t pairs = 0;
    double rho = 0;    // Spearman
    bool warn = false; // |rho| >= kConfoundWarning within a domain (not "(all)")
};
constexpr double kConfoundWarning = 0.5;
// For each score, domain (and "(all)") and feature: Spearman of the score against the
// feature over the ok rows.
std::vector<Confound> confounds(const std::vector<ResultRow>& rows,
                                const std::vector<std::string>& scores);

} // namespace ladm
