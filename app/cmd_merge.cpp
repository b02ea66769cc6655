// ladm merge DIR --cache DB
#include "app/commands.h"
#include "cli/args.h"
#include "core/curate/shard_merge.h"

#include <iostream>

namespace ladm::cli {

namespace {
const char* kHelp = R"(usage: ladm merge DIR --cache DB

Ingests the task files a cluster run wrote (ladm score --shard-dir DIR) into the cache DB.
Idempotent: merging again, or after more tasks finished, adds what is new. Reports missing,
incomplete (no .done marker) and failed tasks by number; their finished samples are still
merged.
Exit codes: 0 every task complete and merged, 3 merged but some tasks are missing,
incomplete or failed, 1 error, 64 usage.
)";
}

int cmd_merge(const std::vector<std::string>& argv) {
    Args a(argv, {"help"}, {"cache"});
    if (a.flag("help")) {
        std::cout << kHelp;
        return kOk;
    }
    if (!a.ok() || !a.get("cache") || a.positional().size() != 1) {
        std::cerr << "ladm merge: " << (a.ok() ? "DIR and --cache DB are required" : a.error())
                  << "\n";
        return kUsage;
    }
    std::string err;
    auto cache = Cache::open(*a.get("cache"), &err);
    MergeReport rep;
    if (!cache || !merge_shards(*cache, a.positional()[0], &rep, &err)) {
        std::cerr << "ladm merge: " << err << "\n";
        return kFailure;
    }
    std::cout << "tasks: " << rep.tasks << "  complete " << rep.complete.size() << "  incomplete "
              << rep.incomplete.size() << "  failed " << rep.failed.size() << "  missing "
              << rep.missing.size() << "  results merged " << rep.results_merged << "\n";
    for (const auto& m : rep.messages)
        std::cout << m << "\n";
    const bool all = int(rep.complete.size()) == rep.tasks;
    return all ? kOk : kIncomplete;
}

} // namespace ladm::cli
