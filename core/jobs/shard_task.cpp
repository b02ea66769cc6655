#include "core/jobs/shard_task.h"

#include "core/curate/shard_merge.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace ladm {

std::string ShardTask::db_path() const {
    return task_db_path(dir, index, count);
}
std::string ShardTask::marker_path() const {
    return task_marker_path(dir, index, count);
}
std::string ShardTask::failed_path() const {
    return task_failed_path(dir, index, count);
}

bool shard_task_complete(const ShardTask& t, const std::string& fingerprint,
                         const LadmParams& params, const ScorerSet& scorers) {
    std::ifstream mf(t.marker_path());
    if (!mf) return false;
    const auto m = nlohmann::json::parse(mf, nullptr, false);
    return m.is_object() && m.value("model_fingerprint", "") == fingerprint &&
           m.value("ladm_params", "") == params_json(params, scorers);
}

void shard_task_begin(const ShardTask& t) {
    std::error_code ec;
    std::filesystem::remove(t.failed_path(), ec);
}

void shard_task_failed(const ShardTask& t, const std::string& error) {
    std::ofstream(t.failed_path()) << error << "\n";
}

bool shard_task_finished(const ShardTask& t, const std::string& fingerprint,
                         const LadmParams& params, const ScoreJobSummary& sum, std::string* error,
                         const ScorerSet& scorers) {
    const auto& tot = sum.totals;
    const nlohmann::json m = {{"task", t.index},
                              {"tasks", t.count},
                              {"model_fingerprint", fingerprint},
                              {"ladm_params", params_json(params, scorers)},
                              {"samples", tot.samples},
                              {"scored", tot.scored},
                              {"cached", tot.cached},
                              {"failed", tot.failed},
                              {"bad_input", sum.problems.size()}};
    const std::string marker = t.marker_path(), tmp = marker + ".tmp";
    {
        std::ofstream out(tmp);
        out << m.dump(2) << "\n";
        if (!out.flush()) {
            *error = tmp + ": cannot write the task marker";
            return false;
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, marker, ec); // atomic: a marker is whole or absent
    if (ec) {
        *error = marker + ": " + ec.message();
        return false;
    }
    return true;
}

} // namespace ladm
