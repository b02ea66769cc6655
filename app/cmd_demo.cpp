// ladm demo-corpus OUT.jsonl.zst
#include "app/args.h"
#include "app/commands.h"
#include "core/demo_corpus.h"

#include <iostream>

namespace ladm::cli {

namespace {
const char* kHelp = R"(usage: ladm demo-corpus [--samples N] [--seed N] OUT.jsonl.zst

Builds, deterministically, a demo corpus of long samples (about 16K-64K characters,
4K-16K tokens) from text Debian installs: licences (/usr/share/common-licenses), Debian
changelogs, C/C++ headers (/usr/include) and Python sources, each followed by a spliced
control of the same length made of short pieces of other documents of its domain.
meta: pile_set_name (the domain), kind (coherent | spliced), sources.
)";
}

int cmd_demo_corpus(const std::vector<std::string>& argv) {
    Args a(argv, {"help"}, {"samples", "seed"});
    if (a.flag("help")) {
        std::cout << kHelp;
        return kOk;
    }
    if (!a.ok() || a.positional().size() != 1) {
        std::cerr << "ladm demo-corpus: " << (a.ok() ? "one OUT file is required" : a.error())
                  << "\n";
        return kUsage;
    }
    DemoCorpusOptions o;
    try {
        if (auto v = a.get("samples")) o.samples = std::stoi(*v);
        if (auto v = a.get("seed")) o.seed = std::stoull(*v);
    } catch (...) {
        std::cerr << "ladm demo-corpus: --samples and --seed take integers\n";
        return kUsage;
    }
    DemoCorpusSummary sum;
    std::string err;
    if (!write_demo_corpus(a.positional()[0], o, &sum, &err)) {
        std::cerr << "ladm demo-corpus: " << err << "\n";
        return kFailure;
    }
    std::cerr << "wrote " << sum.coherent << " coherent and " << sum.spliced << " spliced samples ("
              << sum.chars / 1000000.0 << " M characters) to " << a.positional()[0] << "\n";
    return kOk;
}

} // namespace ladm::cli
