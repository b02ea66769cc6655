// Exit codes and the command table of `ladm`, shared by the product's subcommands (app/)
// and the trainer's (train/cli/). Each subcommand returns the process exit code.
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

using CommandFn = int (*)(const std::vector<std::string>& args);

// One row of `ladm --help` and the function it runs.
struct Command {
    const char* name;
    const char* summary;
    CommandFn run;
};

} // namespace ladm::cli
