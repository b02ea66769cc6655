// A selection's recipe and the per-domain statistics of a run: one definition for
// `ladm select` / `ladm stats` and the desktop app, so a selection.json is the same
// whichever front end made it.
//
//   const auto cands = ladm::candidates_of(cache->results(run));
//   const auto res = ladm::select_samples(cands, recipe);
//   cache->save_selection("default", ladm::recipe_json(recipe, run, res).dump(), res.kept, &err);
#pragma once

#include "core/curate/selection.h"
#include "core/store/cache.h"

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ladm {

// What selection needs of each result row (status ok with a finite `score` = scored, with
// its override). A derived score must be added to the rows first (add_derived_scores).
std::vector<Candidate> candidates_of(const std::vector<ResultRow>& rows,
                                     const std::string& score = "cds");

// The recipe record kept with a selection and written to selection.json: mode, run,
// budget, the parameters the mode reads (the percent step reached for the budget modes;
// thresholds; top count, else fraction), per-domain and total kept samples and tokens.
nlohmann::json recipe_json(const SelectionRecipe& rc, int64_t run, const SelectionResult& res);

// Linear-interpolated quantile q in [0, 1] of v (NaN when v is empty).
double quantile(std::vector<double> v, double q);
// The same of an already sorted v.
double quantile_sorted(const std::vector<double>& v, double q);

struct DomainStats {
    int64_t samples = 0, ok = 0, too_short = 0, error = 0, tokens = 0;
    std::vector<double> cds; // the score's values (CDS by default) of the ok samples
};

// Per domain, plus "(all)": counts by status, tokens and the values of `score` (CDS, or
// another of the run's scores, derived ones added first: add_derived_scores).
std::map<std::string, DomainStats> domain_stats(const std::vector<ResultRow>& rows,
                                                const std::string& score = "cds");

} // namespace ladm
