// Export of a selection: the original records byte for byte plus the score under a
// configurable key, optionally the rejected set, and a selection.json recipe beside the
// output. --format ladm-scores writes the authors' sorted_by_score.jsonl layout instead.
#pragma once

#include "core/store/cache.h"

#include <functional>
#include <map>
#include <string>

namespace ladm {

struct ExportOptions {
    std::string out_path;
    std::string rejected_path; // optional
    // The key of the score the selection was made on (its recipe's "score", CDS unless
    // ladm select --score chose another); "" = "ladm_" + that score's name ("ladm_cds").
    std::string score_key;
    // More of the run's scores in every record, as NAME -> KEY (ladm export --score-key
    // lexical=lex_score); derived ones (longattn, cds+lexical) too.
    std::map<std::string, std::string> more_scores;
    std::string format = "jsonl"; // jsonl | ladm-scores
    std::string selection = "default";
    CorpusOptions corpus; // for reading records back
    bool write_recipe = true;
    // Called after every record read back (done of total); return false to cancel.
    std::function<bool(int64_t done, int64_t total)> progress;
};

struct ExportSummary {
    int64_t kept = 0, rejected = 0;
    std::string recipe_path;
};

bool export_selection(Cache& cache, const ExportOptions& o, ExportSummary* summary,
                      std::string* error);

// `raw` with "key": value inserted before its closing brace; the rest byte for byte.
std::string with_score(const std::string& raw, const std::string& key,
                       const std::string& value_json);

} // namespace ladm
