// Cluster runs: each array task scores its shard of the corpus (a stable hash of the
// sample id, see shard_of) into its own SQLite file DIR/task-K-of-N.db and, when done,
// writes DIR/task-K-of-N.done. A requeued task resumes from its own file (sample level);
// a task whose marker exists for the same model and parameters exits at once (task level).
// `ladm merge DIR --cache DB` ingests every task file, idempotently, and reports missing,
// incomplete or failed tasks by number.
#pragma once

#include "core/store/cache.h"

#include <string>
#include <vector>

namespace ladm {

std::string task_db_path(const std::string& dir, int k, int n);
std::string task_marker_path(const std::string& dir, int k, int n);
std::string task_failed_path(const std::string& dir, int k, int n);

// Reads SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT when the job is a whole array 0..N-1
// (SLURM_ARRAY_TASK_MIN = 0, MAX = N-1); false otherwise (then pass --shard K/N).
bool shard_from_slurm_env(int* k, int* n);

struct MergeReport {
    int tasks = 0; // N
    std::vector<int> complete, incomplete, failed, missing;
    int64_t results_merged = 0;
    std::vector<std::string> messages; // per problem task, for the user
};

// Ingests every task file of DIR into `cache`. false + *error when DIR holds no task files
// or a file cannot be read; incomplete/missing tasks are reported, not errors.
bool merge_shards(Cache& cache, const std::string& dir, MergeReport* report, std::string* error);

} // namespace ladm
