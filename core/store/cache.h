// The score cache: one SQLite file holding input files, samples, scoring runs, results,
// named selections and manual keep/reject overrides. WAL mode so the desktop app and a CLI
// run can use it at once; every result is committed on its own, so killing a run loses at
// most the sample in flight.
//
//   auto cache = ladm::Cache::open("scores.db", &err);
//   int64_t run = cache->run_id(fingerprint, params_json, version, &err);
#pragma once

#include "core/corpus/corpus.h"
#include "core/store/sqlite_db.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ladm {

constexpr int kCacheSchemaVersion = 5;

struct FileInfo {
    std::string path; // absolute
    int64_t size = 0;
    int64_t mtime = 0; // ns since the epoch
    std::string hash;  // XXH3-128 of size + first and last MiB ("quick hash")
};
// Reads size, mtime and the quick hash of a file.
bool stat_file(const std::string& path, FileInfo* out, std::string* error);

struct StoredResult {
    std::string status; // ok | too_short | error
    std::string error;
    double cds = 0;
    bool has_cds = true; // false: the run has no CDS (ladm score --scorers without cds)
    std::vector<float> cds_layers;
    std::vector<float> afs;
    std::vector<int64_t> span_starts;
    int64_t windows = 0;
    std::vector<float> span_mass; // [spans x windows]
    int64_t tokens = 0;           // original (untruncated) length
    int64_t tokens_scored = 0;
    double seconds = 0;
    // The run's other named scores and surface features (longattn_proportion, lexical,
    // f_chars_per_token...; docs/scorers.md), finite values only. CDS stays in `cds`.
    std::map<std::string, double> scores;
};

// One row of a run's results, for selection, stats and export.
struct ResultRow {
    int64_t sample_id = 0;
    std::string key; // the sample's id
    std::string domain;
    std::string status;
    double cds = 0; // NaN when not ok, or when the run has no CDS
    int64_t tokens = 0;
    SampleLocation loc;
    std::string override_decision;        // "", keep, reject
    std::map<std::string, double> scores; // StoredResult::scores (results(): always loaded)
    // A named score: "cds" is `cds`, others from `scores`; NaN when the row has none.
    double score(const std::string& name) const;
};

// The corpus table's view of a run: every indexed sample, scored in the run or not.
constexpr const char* kPendingStatus = "pending"; // no result in the run yet

struct SampleFilter {
    std::string domain; // "" = all
    std::string status; // "" = all; kPendingStatus = not scored in the run yet
    std::optional<double> min_cds, max_cds;
    std::string search; // substring of the id
};
enum class SampleSort { Corpus, Domain, Tokens, Cds, Status, Decision };
struct SampleQuery {
    SampleFilter filter;
    SampleSort sort = SampleSort::Corpus;
    bool descending = false; // pending samples come last either way when sorted by a result
};
struct SampleRow {
    int64_t sample_id = 0;
    std::string key, domain, status, decision; // status kPendingStatus when not scored
    int64_t tokens = 0;                        // 0 until scored
    int64_t chars = 0;
    double cds = 0; // NaN when there is no score
};
struct IndexedSample {
    int64_t sample_id = 0;
    std::string key, domain;
    int64_t chars = 0;
    bool pretokenized = false;
    SampleLocation loc;
};
struct Override {
    std::string key, decision, note, created;
};

struct RunInfo {
    int64_t id = 0;
    std::string fingerprint, params, code_version, created;
    int64_t results = 0;
    std::string model; // the model folder's name when the run was made ("" before v4)
};

class Cache {
  public:
    static std::unique_ptr<Cache> open(const std::string& path, std::string* error);

    // Registers an input file. If its size, mtime or hash changed, its samples (and their
    // results) are dropped; *invalidated tells how many.
    bool register_file(const FileInfo& f, int64_t* file_id, int64_t* invalidated,
                       std::string* error);
    // Access points into a compressed input (see LineSource), replacing those at the same
    // offsets; and all of a file's, by path, for reading samples back.
    bool put_access_points(int64_t file_id, const std::vector<AccessPoint>& points,
                           std::string* error);
    std::vector<AccessPoint> access_points(const std::string& path);
    // Inserts or updates a sample; returns its row id (0 on error).
    int64_t upsert_sample(int64_t file_id, const Sample& s, std::string* error);
    // The same for many samples of one file, in one transaction (indexing a corpus).
    bool upsert_samples(int64_t file_id, const std::vector<Sample>& samples, std::string* error);
    int64_t run_id(const std::string& fingerprint, const std::string& params,
                   const std::string& code_version, std::string* error,
                   const std::string& model = {});
    bool has_result(int64_t run, int64_t sample);
    bool put_result(int64_t run, int64_t sample, const StoredResult& r, std::string* error);
    std::optional<StoredResult> result(int64_t run, int64_t sample);
    // One result's named scores; the names any result of a run has, sorted.
    std::map<std::string, double> named_scores(int64_t run, int64_t sample);
    std::vector<std::string> score_names(int64_t run);

    std::vector<RunInfo> runs();
    // The newest run, or 0.
    int64_t latest_run();
    // corpus_order: sorted by file and line (export needs it); else in storage order, faster.
    std::vector<ResultRow> results(int64_t run, bool corpus_order = true);
    std::optional<ResultRow> find_sample(int64_t run, const std::string& key);
    std::optional<ResultRow> result_row(int64_t run, int64_t sample_id);

    bool set_override(const std::string& key, const std::string& decision, const std::string& note,
                      std::string* error);
    bool clear_override(const std::string& key, std::string* error);

    bool save_selection(const std::string& name, const std::string& recipe_json,
                        const std::vector<int64_t>& kept, std::string* error);
    // Kept sample ids and the recipe of a named selection.
    bool load_selection(const std::string& name, std::vector<int64_t>* kept, std::string* recipe,
                        std::string* error);

    // The corpus table's queries (cache_query.cpp): a page of rows, their exact count (over
    // millions of rows a filtered count takes a second: run it off the GUI thread), the
    // number of samples per status (kPendingStatus included) and one sample's location.
    std::vector<SampleRow> sample_rows(int64_t run, const SampleQuery& q, int64_t offset,
                                       int64_t limit);
    int64_t count_samples(int64_t run, const SampleFilter& f);
    std::map<std::string, int64_t> status_counts(int64_t run);
    std::optional<IndexedSample> sample(int64_t sample_id);
    std::vector<std::string> domains();

    std::vector<FileInfo> files();     // by path
    std::vector<Override> overrides(); // by id
    // Copies another cache's files, samples, runs, results and access points in, in one
    // transaction (idempotent: files by path, samples by id, runs by identity, results by
    // run and sample). *results: how many results the other cache holds.
    bool ingest(const std::string& other_path, int64_t* results, std::string* error);

    const std::string& path() const { return m_db->path(); }
    int64_t count(const std::string& table);
    bool integrity_ok(std::string* detail);
    // The raw connection, for tests and benchmarks that build or damage caches.
    sql::Database& raw_connection_for_tests() { return *m_db; }

  private:
    Cache() = default;
    bool migrate(std::string* error);
    std::unique_ptr<sql::Database> m_db;
};

// float32 arrays are stored zstd-compressed.
std::vector<uint8_t> pack_floats(const std::vector<float>& v);
std::vector<float> unpack_floats(const std::vector<uint8_t>& b);

} // namespace ladm
