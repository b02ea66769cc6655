// A scored corpus for the pipeline's tests (score job, store, export, merge): a tiny
// checkpoint with a byte-level tokenizer, a JSONL corpus over three domains, and LADM
// parameters small enough for samples of a few hundred tokens.
#pragma once

#include "core/jobs/score_job.h"

#include <memory>
#include <string>
#include <vector>

namespace ladm::test {

// C = 16, I = S = 32: a sample needs more than 144 tokens for a query span.
LadmParams small_params();

// N records {"id": "doc<i>", "text": ..., "meta": {"pile_set_name": one of three}} with
// texts of min_len..2*min_len bytes; record short_index (if >= 0) has 40 bytes, shorter
// than any query span (too_short).
void write_corpus(const std::string& path, int n, int min_len, uint64_t seed, int short_index = 3);

struct Scorer {
    std::unique_ptr<Engine> engine;
    std::unique_ptr<Tokenizer> tokenizer;
    std::string error;
    // Writes the tiny model into dir and opens it.
    explicit Scorer(const std::string& dir);
    // run_score_job over inputs into cache_path (shard k of n). false + error on failure.
    bool score(const std::vector<std::string>& inputs, const std::string& cache_path,
               ScoreJobSummary* sum, int shard_index = 0, int shard_count = 1);
};

} // namespace ladm::test
