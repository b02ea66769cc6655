#include "core/curate/shard_merge.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

namespace fs = std::filesystem;

namespace ladm {

namespace {
std::string task_name(int k, int n) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "task-%05d-of-%05d", k, n);
    return buf;
}
} // namespace

std::string task_db_path(const std::string& dir, int k, int n) {
    return (fs::path(dir) / (task_name(k, n) + ".db")).string();
}
std::string task_marker_path(const std::string& dir, int k, int n) {
    return (fs::path(dir) / (task_name(k, n) + ".done")).string();
}
std::string task_failed_path(const std::string& dir, int k, int n) {
    return (fs::path(dir) / (task_name(k, n) + ".failed")).string();
}

bool shard_from_slurm_env(int* k, int* n) {
    const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
    const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT");
    if (!id || !count) return false;
    // Only a whole array 0..N-1 tells N; a resubmitted single task (--array=2) does not,
    // so such jobs must pass --shard K/N (the sbatch template does).
    const char* min = std::getenv("SLURM_ARRAY_TASK_MIN");
    const char* max = std::getenv("SLURM_ARRAY_TASK_MAX");
    *k = std::atoi(id);
    *n = std::atoi(count);
    if (min && std::atoi(min) != 0) return false;
    if (max && std::atoi(max) != *n - 1) return false;
    return *n >= 1 && *k >= 0 && *k < *n;
}

bool merge_shards(Cache& cache, const std::string& dir, MergeReport* rep, std::string* error) {
    const std::regex name_re(R"(task-(\d+)-of-(\d+)\.(db|done|failed))");
    std::map<int, std::map<std::string, std::string>> seen; // k -> ext -> path
    int n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        std::smatch m;
        const std::string fname = e.path().filename().string();
        if (!std::regex_match(fname, m, name_re)) continue;
        const int k = std::stoi(m[1]), nn = std::stoi(m[2]);
        if (n && nn != n) {
            *error = dir + ": task files of different array sizes (" + std::to_string(n) + " and " +
                     std::to_string(nn) + "); merge one run's folder at a time";
            return false;
        }
        n = nn;
        seen[k][m[3]] = e.path().string();
    }
    if (ec || n == 0) {
        *error = dir + ": no task files (task-K-of-N.db) found" + (ec ? ": " + ec.message() : "");
        return false;
    }
    rep->tasks = n;
    auto& db = cache.db();
    for (int k = 0; k < n; ++k) {
        auto it = seen.find(k);
        if (it == seen.end() || !it->second.count("db")) {
            rep->missing.push_back(k);
            rep->messages.push_back("task " + std::to_string(k) + ": missing (no " +
                                    task_db_path(dir, k, n) + ")");
            continue;
        }
        if (it->second.count("failed")) {
            std::ifstream f(it->second["failed"]);
            std::string why((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
            rep->failed.push_back(k);
            rep->messages.push_back("task " + std::to_string(k) + ": failed: " + why);
        } else if (!it->second.count("done")) {
            rep->incomplete.push_back(k);
            rep->messages.push_back("task " + std::to_string(k) +
                                    ": incomplete (no .done marker; still running, "
                                    "cancelled or killed): its finished samples are merged");
        } else {
            rep->complete.push_back(k);
        }
        // Ingest, idempotently: files by path, samples by id, runs by (model, params,
        // version), results by (run, sample).
        const std::string path = it->second["db"];
        std::string err;
        // a task file written by an older ladm is brought to the current schema first
        if (!Cache::open(path, error)) return false;
        auto attach = db.prepare("ATTACH DATABASE ? AS t");
        if (!attach.bind(1, path).run()) {
            *error = path + ": cannot attach: " + db.last_error();
            return false;
        }
        const char* sql = R"SQL(
INSERT INTO files(path, size, mtime, hash) SELECT path, size, mtime, hash FROM t.files WHERE true
  ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, hash = excluded.hash;
INSERT INTO samples(sample_key, file_id, line, offset, length, domain, chars, text_hash, pretokenized)
  SELECT s.sample_key, (SELECT id FROM main.files mf WHERE mf.path = tf.path), s.line, s.offset, s.length,
         s.domain, s.chars, s.text_hash, s.pretokenized
  FROM t.samples s JOIN t.files tf ON tf.id = s.file_id WHERE true
  ON CONFLICT(sample_key) DO UPDATE SET file_id = excluded.file_id, line = excluded.line, offset = excluded.offset,
    length = excluded.length, domain = excluded.domain, chars = excluded.chars, text_hash = excluded.text_hash,
    pretokenized = excluded.pretokenized;
INSERT OR IGNORE INTO runs(model_fingerprint, params, code_version, created)
  SELECT model_fingerprint, params, code_version, created FROM t.runs;
INSERT OR REPLACE INTO results(run_id, sample_id, status, error, cds, cds_layers, afs, span_starts, windows,
    span_mass, tokens, tokens_scored, seconds, scored_at)
  SELECT (SELECT mr.id FROM main.runs mr WHERE mr.model_fingerprint = tr.model_fingerprint
            AND mr.params = tr.params AND mr.code_version = tr.code_version),
         (SELECT ms.id FROM main.samples ms WHERE ms.sample_key = ts.sample_key),
         r.status, r.error, r.cds, r.cds_layers, r.afs, r.span_starts, r.windows, r.span_mass, r.tokens,
         r.tokens_scored, r.seconds, r.scored_at
  FROM t.results r JOIN t.runs tr ON tr.id = r.run_id JOIN t.samples ts ON ts.id = r.sample_id;
INSERT OR REPLACE INTO access_points(file_id, out_offset, in_offset, bits, window)
  SELECT (SELECT id FROM main.files mf WHERE mf.path = tf.path), a.out_offset, a.in_offset, a.bits, a.window
  FROM t.access_points a JOIN t.files tf ON tf.id = a.file_id;
)SQL";
        bool ok = false;
        {
            sql::Transaction tx(db); // rolls back unless committed
            ok = tx.begun() && db.exec(sql, &err);
            if (ok) {
                auto cnt = db.prepare("SELECT COUNT(*) FROM t.results");
                if (cnt.step()) rep->results_merged += cnt.col_int(0);
                cnt = sql::Statement();
                ok = tx.commit(&err);
            }
        }
        db.exec("DETACH DATABASE t");
        if (!ok) {
            *error = path + ": merging failed: " + err;
            return false;
        }
    }
    return true;
}

} // namespace ladm
