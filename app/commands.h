// Subcommands of `ladm`. Each returns the process exit code (see ladm --help).
#pragma once

#include <string>
#include <vector>

namespace ladm::cli {

enum ExitCode {
    kOk = 0,
    kFailure = 1, // the work failed (bad model, unreadable input)
    kUsage = 64,  // bad command line (as sysexits.h EX_USAGE)
};

int cmd_tokenize(const std::vector<std::string>& args);

} // namespace ladm::cli
