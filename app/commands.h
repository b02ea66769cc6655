// Subcommands of `ladm`. Each returns the process exit code (see ladm --help).
#pragma once

#include <string>
#include <vector>

namespace ladm::cli {

enum ExitCode {
    kOk = 0,
    kFailure = 1,    // the work failed (bad model, unreadable input)
    kIncomplete = 3, // ladm merge: merged, but some tasks are missing/incomplete/failed
    kUsage = 64,     // bad command line (as sysexits.h EX_USAGE)
};

int cmd_tokenize(const std::vector<std::string>& args);
int cmd_score(const std::vector<std::string>& args);
int cmd_select(const std::vector<std::string>& args);
int cmd_stats(const std::vector<std::string>& args);
int cmd_override(const std::vector<std::string>& args);
int cmd_export(const std::vector<std::string>& args);
int cmd_show(const std::vector<std::string>& args);
int cmd_merge(const std::vector<std::string>& args);
int cmd_demo_corpus(const std::vector<std::string>& args);
int cmd_train_calculator(const std::vector<std::string>& args);
int cmd_eval_calculator(const std::vector<std::string>& args);
int cmd_calibrate_calculator(const std::vector<std::string>& args);

} // namespace ladm::cli
