// One task of a cluster run (ladm score --shard-dir OUT --shard K/N): its results go to
// OUT/task-K-of-N.db; when it finishes, OUT/task-K-of-N.done records the model and
// parameters it was scored with (a re-run with the same ones exits at once, a requeued one
// resumes); a failure leaves OUT/task-K-of-N.failed with the reason. ladm merge reads them.
#pragma once

#include "core/jobs/score_job.h"

#include <string>

namespace ladm {

struct ShardTask {
    std::string dir;
    int index = 0, count = 1;
    std::string db_path() const;
    std::string marker_path() const;
    std::string failed_path() const;
};

// Whether the task's marker says it was completed with this model and these parameters.
bool shard_task_complete(const ShardTask& t, const std::string& fingerprint,
                         const LadmParams& params, const ScorerSet& scorers = {});

// Before a run: forgets an earlier failure.
void shard_task_begin(const ShardTask& t);

// After a run that stopped with `error`.
void shard_task_failed(const ShardTask& t, const std::string& error);

// After a complete run: writes the marker atomically (whole or absent).
bool shard_task_finished(const ShardTask& t, const std::string& fingerprint,
                         const LadmParams& params, const ScoreJobSummary& sum, std::string* error,
                         const ScorerSet& scorers = {});

} // namespace ladm
