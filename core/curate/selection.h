// Choosing what to keep from scored samples, by the modes of `ladm select`:
//   reference     the authors' filter.py: domain-balanced percent steps until the token
//                 budget is first exceeded (it overshoots by at most one step)
//   budget-exact  the same balance, trimmed to the budget
//   threshold     CDS >= a global threshold, or per-domain thresholds
//   top           the best fraction or count by CDS
// Manual overrides win: "keep" is always kept (its tokens count toward the budget),
// "reject" never is.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ladm {

enum class SelectMode { Reference, BudgetExact, Threshold, Top };
std::optional<SelectMode> parse_select_mode(const std::string& s);
const char* select_mode_name(SelectMode m);

// "500M", "1B", "2.5B", "64K", "1T", "1048576" (B = G = 1e9). False on anything else.
bool parse_token_count(const std::string& s, int64_t* out);

struct SelectionRecipe {
    SelectMode mode = SelectMode::Reference;
    int64_t budget = int64_t(1) << 30; // reference: 2^30 tokens
    std::optional<double> threshold;   // global
    std::map<std::string, double> domain_thresholds;
    std::optional<double> top_fraction;
    std::optional<int64_t> top_count;
    // The score selected on: "cds", another of the run's scores ("longattn", "lexical"),
    // or a rank average ("cds+lexical"); see core/curate/score_table.h.
    std::string score = "cds";
};

struct Candidate {
    int64_t sample_id = 0;
    std::string domain;
    double cds = 0;                // the score selected on (SelectionRecipe::score; CDS by default)
    int64_t tokens = 0;            // original, untruncated length
    bool scored = true;            // status ok (unscored samples can only be kept by override)
    std::string override_decision; // "", keep, reject
};

struct DomainSummary {
    int64_t total_samples = 0, total_tokens = 0, kept_samples = 0, kept_tokens = 0;
};

struct SelectionResult {
    std::vector<int64_t> kept; // sample ids
    std::map<std::string, DomainSummary> domains;
    int64_t kept_tokens = 0, total_tokens = 0;
    int percent = 0; // reference / budget-exact: the percent step reached
    std::string error;
};

SelectionResult select_samples(const std::vector<Candidate>& candidates,
                               const SelectionRecipe& recipe);

// The order a curator reviews a selection in:
//   kept / dropped  those samples, highest CDS first
//   borderline      every scored sample, nearest the cut of its domain first: the
//                   threshold (per domain if set) in threshold mode, else the lowest CDS
//                   kept in the domain (domains with nothing kept are left out)
enum class ReviewList { Kept, Dropped, Borderline };
std::optional<ReviewList> parse_review_list(const std::string& s);
struct ReviewItem {
    size_t index = 0; // into the candidates
    bool kept = false;
    double cut = 0; // borderline: its domain's cut (NaN otherwise)
};
std::vector<ReviewItem> review_order(const std::vector<Candidate>& candidates,
                                     const SelectionRecipe& recipe, const SelectionResult& result,
                                     ReviewList list);

} // namespace ladm
