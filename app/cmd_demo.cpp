// ladm demo-corpus OUT.jsonl.zst
#include "app/commands.h"
#include "cli/args.h"
#include "core/corpus/demo_corpus.h"
#include "core/text/install_paths.h"
#include "core/text/tokenizer.h"

#include <iostream>

namespace ladm::cli {

namespace {
const char* kHelp =
    R"(usage: ladm demo-corpus [--samples N] [--seed N] [--model DIR] OUT.jsonl.zst

Builds, deterministically, a demo corpus of long samples (4K-16K tokens of the tokenizer
of --model DIR, default the bundled calculator; longer documents are cut at a line end)
from text Debian installs: licences (/usr/share/common-licenses), Debian changelogs,
C/C++ headers (/usr/include) and Python sources, each followed by a spliced control of
the same length made of short pieces of other documents of its domain.
--samples N (200): half coherent documents, half their controls, an equal share per
domain (a domain with fewer long documents leaves the rest of its share to the others).
meta: pile_set_name (the domain), kind (coherent | spliced), sources.
)";
}

int cmd_demo_corpus(const std::vector<std::string>& argv) {
    Args a(argv, {"help"}, {"samples", "seed", "model"});
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
    std::string err;
    const std::string model = a.get("model") ? *a.get("model") : bundled_calculator_dir();
    if (model.empty()) {
        std::cerr << "ladm demo-corpus: no bundled calculator installed; pass --model DIR "
                     "(its tokenizer measures the samples)\n";
        return kUsage;
    }
    const auto tok = Tokenizer::from_dir(model, &err);
    if (!tok) {
        std::cerr << "ladm demo-corpus: " << err << "\n";
        return kFailure;
    }
    o.tokenizer = tok.get();
    DemoCorpusSummary sum;
    if (!write_demo_corpus(a.positional()[0], o, &sum, &err)) {
        std::cerr << "ladm demo-corpus: " << err << "\n";
        return kFailure;
    }
    std::cerr << "wrote " << sum.coherent << " coherent and " << sum.spliced << " spliced samples ("
              << sum.chars / 1000000.0 << " M characters, " << sum.min_tokens << "-"
              << sum.max_tokens << " tokens each) to " << a.positional()[0] << "\n";
    return kOk;
}

} // namespace ladm::cli
