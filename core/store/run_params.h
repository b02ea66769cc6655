// The LADM parameters of a scoring run as the cache records them (runs.params), shared by
// the scoring job, inspection and the front ends.
#pragma once

#include "core/model/ladm_math.h"
#include "core/model/score_types.h"
#include "core/store/cache.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ladm {

// The scores a run computes (ladm score --scorers; docs/scorers.md): part of the run's
// identity, so runs with other scorers or parameters never share results.
struct ScorerSet {
    bool cds = true;       // LADM's CDS
    bool longattn = false; // LongAttn: first-layer proportion and uniformity
    bool lcgain = false;   // long-vs-short-context loss gain (LongPPL's key tokens)
    LcGainParams lcgain_params;
    bool lexical = false;            // model-free: IDF-weighted share of words repeated far back
    int64_t lexical_distance = 3000; // characters
    bool model() const { return cds || longattn || lcgain; } // needs a checkpoint
    bool operator==(const ScorerSet&) const = default;
};
// "cds,longattn,lexical" -> set; false + *error naming the unknown or impossible entry.
// The scorers' parameters are kept from *out (set them first, with set_scorer_option).
bool parse_scorers(const std::string& list, ScorerSet* out, std::string* error);
// The scorers' parameters as front ends take them: "lexical-distance", "lcgain-window",
// "lcgain-stride", "lcgain-alpha", "lcgain-beta".
const std::vector<std::string>& scorer_option_names();
// Sets one of them from its text; false + *error ("--NAME takes ...") when it is not a
// valid value for it.
bool set_scorer_option(ScorerSet* s, const std::string& name, const std::string& value,
                       std::string* error);
// Why the scorers' parameters cannot be used, or empty.
std::string validate(const ScorerSet& s);
std::string scorers_text(const ScorerSet& s); // "cds,longattn"
// The names of the per-sample values a run with these scorers stores (cds first, then
// longattn_proportion, longattn_uniformity, lexical) and the scores a curator selects
// on (cds, longattn, lcgain, lcgain_key_fraction, lexical; longattn combines the two over
// the run: see core/curate/score_table.h).
std::vector<std::string> selectable_scores(const ScorerSet& s);

// To the JSON the cache keeps, and back: what the record lacks keeps its default. The
// scorers are written only when they are not CDS alone, so a CDS run keeps its identity.
std::string params_json(const LadmParams& p, const ScorerSet& scorers = {});
LadmParams params_from_json(const std::string& json);
ScorerSet scorers_from_json(const std::string& json);
// The parameters run `run` of the cache was scored with (defaults for an unknown run).
LadmParams run_params(Cache& cache, int64_t run);
ScorerSet run_scorers(Cache& cache, int64_t run);
// selectable_scores(run_scorers(cache, run)): the run's scores, its default first.
std::vector<std::string> run_scores(Cache& cache, int64_t run);

// A run as a person reads it: "run 2: calculator, span 64, max_len 8192 (2026-12-03 17:20),
// 200 results" -- the model's name, the parameters that differ from LADM's defaults, when.
std::string run_label(const RunInfo& r);
// The name a run records for a model folder: its last path component.
std::string model_name(const std::string& dir);

} // namespace ladm
