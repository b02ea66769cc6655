// A scoring run over a corpus into the cache: what `ladm score` runs, and what the desktop
// app's worker runs. Resumable: samples already scored with the same model fingerprint and
// LADM parameters are skipped; every result is committed as soon as it exists.
#pragma once

#include "core/corpus/corpus.h"
#include "core/model/engine.h"
#include "core/store/cache.h"
#include "core/store/run_params.h"
#include "core/text/tokenizer.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ladm {

extern const char* const kCodeVersion; // part of a run's identity in the cache
// Uncompressed bytes between access points recorded while scoring .gz/.zst inputs: at
// most this much is decompressed to reach a sample (~30 ms here); for gzip each point
// keeps a 32 KiB window (~10 KB compressed in the cache), i.e. ~1.3 KB per MiB of data.
constexpr uint64_t kAccessPointSpacing = uint64_t(8) << 20;

struct ScoreJobOptions {
    std::vector<std::string> inputs;
    CorpusOptions corpus;
    LadmParams params;
    ScorerSet scorers; // what the run computes (default: CDS); part of its identity
    std::string cache_path;
    std::string scores_out; // optional JSONL, one line per sample handled in this run
    // Keep only samples whose stable id hash falls in shard k of n (n = 1: everything).
    int shard_index = 0, shard_count = 1;
};

struct ScoreJobProgress {
    int64_t samples = 0; // handled this run (scored + cached + failed)
    int64_t scored = 0;  // newly scored (status ok or too_short)
    int64_t cached = 0;  // skipped: already in the cache
    int64_t failed = 0;  // scoring errors (kept in the cache with their message)
    int64_t too_short = 0;
    int64_t tokens_scored = 0; // tokens through the model this run
    double seconds = 0;
    // From the index pass that precedes scoring: the run's samples and their characters.
    int64_t total_samples = 0, total_chars = 0;
    int64_t chars_done = 0;       // characters of the samples handled so far
    double fraction = 0;          // samples handled / total_samples
    double tokens_per_second = 0; // over the last ~30 s of scoring
    double eta_seconds = -1;      // remaining characters at the recent rate; -1 = not known yet
    std::string last_id;
};

struct IndexSummary {
    int64_t samples = 0, chars = 0;
    int64_t invalidated = 0; // samples dropped because their file changed
};

struct ScoreJobSummary {
    ScoreJobProgress totals;
    int64_t run_id = 0;
    int64_t invalidated = 0; // samples dropped because their file changed
    std::vector<Problem> problems;
    std::map<ProblemKind, int64_t> problem_counts;
    bool cancelled = false, stopped_by_strict = false;
};

// Stable shard of a sample id (FNV-1a 64 of the id, mod n): the same whatever file order.
int shard_of(const std::string& id, int n);

// Reads every record of the inputs into the cache's sample index (no model): what the app
// does when it opens a corpus, so the whole corpus is listed before it is scored, and the
// first pass of a scoring run, so its progress has a total. progress(samples so far) is
// called every 256 records; return false to stop. Problems in the input go to on_problem.
bool index_corpus(Cache& cache, const std::vector<std::string>& inputs, const CorpusOptions& corpus,
                  int shard_index, int shard_count,
                  const std::function<bool(int64_t samples)>& progress,
                  const std::function<void(const Problem&)>& on_problem, IndexSummary* summary,
                  std::string* error, const std::function<void(const Sample&)>& visit = {});

// Runs the job with an already opened engine and tokenizer (so a worker loads them once).
// progress is called after every sample; return false to cancel. false + *error only
// for failures that stop the run (cache unusable, no input, --strict problem).
bool run_score_job(Engine& engine, const Tokenizer& tok, const ScoreJobOptions& o,
                   const std::function<bool(const ScoreJobProgress&)>& progress,
                   const std::function<void(const Problem&)>& on_problem, ScoreJobSummary* summary,
                   std::string* error);
// The same where the scorers need no model (o.scorers.model() false: lexical alone):
// engine and tok may then be null. The run's model fingerprint is then "model-free".
bool run_score_job(Engine* engine, const Tokenizer* tok, const ScoreJobOptions& o,
                   const std::function<bool(const ScoreJobProgress&)>& progress,
                   const std::function<void(const Problem&)>& on_problem, ScoreJobSummary* summary,
                   std::string* error);
constexpr const char* kModelFreeFingerprint = "model-free";

} // namespace ladm
