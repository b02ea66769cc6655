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
        int64_t merged = 0;
        if (!cache.ingest(it->second["db"], &merged, error)) return false;
        rep->results_merged += merged;
    }
    return true;
}

} // namespace ladm
