// ladm export --cache DB OUT
#include "app/commands.h"
#include "cli/args.h"
#include "core/curate/exporter.h"

#include <iostream>

namespace ladm::cli {

namespace {
const char* kHelp = R"(usage: ladm export --cache DB [options] OUT

Writes the samples of a selection (ladm select) to OUT (.jsonl, .jsonl.gz or .jsonl.zst):
the original records byte for byte with the score added under --score-key, and a
selection.json recipe beside OUT (inputs with hashes, model fingerprint, LADM
parameters, mode and thresholds, per-domain counts, overrides).

  --selection NAME    which selection (default "default")
  --score-key KEY     field for the score the selection was made on (default ladm_cds, or
                      ladm_NAME after ladm select --score NAME; null for unscored samples)
  --score-key NAME=KEY  also write another of the run's scores (cds, longattn,
                      longattn_proportion, lexical, cds+lexical...) under KEY; repeatable
  --rejected FILE     also write the samples not selected
  --format F          jsonl (default) or ladm-scores: the authors' sorted_by_score.jsonl
                      layout (index, score, meta, rank) over every scored sample
  --no-recipe         do not write selection.json
)";
}

int cmd_export(const std::vector<std::string>& argv) {
    Args a(argv, {"help", "no-recipe"}, {"cache", "selection", "score-key", "rejected", "format"});
    if (a.flag("help")) {
        std::cout << kHelp;
        return kOk;
    }
    if (!a.ok() || !a.get("cache") || a.positional().size() != 1) {
        std::cerr << "ladm export: "
                  << (a.ok() ? "--cache DB and one OUT file are required" : a.error())
                  << " (see ladm export --help)\n";
        return kUsage;
    }
    ExportOptions o;
    o.out_path = a.positional()[0];
    o.selection = a.get("selection").value_or(o.selection);
    for (const auto& k : a.all("score-key")) {
        const auto eq = k.find('=');
        if (eq == std::string::npos)
            o.score_key = k;
        else if (eq == 0 || eq + 1 == k.size()) {
            std::cerr << "ladm export: --score-key takes KEY or NAME=KEY, got '" << k << "'\n";
            return kUsage;
        } else
            o.more_scores[k.substr(0, eq)] = k.substr(eq + 1);
    }
    o.rejected_path = a.get("rejected").value_or("");
    o.format = a.get("format").value_or("jsonl");
    o.write_recipe = !a.flag("no-recipe");
    if (o.format != "jsonl" && o.format != "ladm-scores") {
        std::cerr << "ladm export: --format must be jsonl or ladm-scores\n";
        return kUsage;
    }
    std::string err;
    auto cache = Cache::open(*a.get("cache"), &err);
    ExportSummary sum;
    if (!cache || !export_selection(*cache, o, &sum, &err)) {
        std::cerr << "ladm export: " << err << "\n";
        return kFailure;
    }
    std::cerr << "wrote " << sum.kept << " samples to " << o.out_path;
    if (!o.rejected_path.empty())
        std::cerr << " and " << sum.rejected << " rejected to " << o.rejected_path;
    if (!sum.recipe_path.empty()) std::cerr << "; recipe " << sum.recipe_path;
    std::cerr << "\n";
    return kOk;
}

} // namespace ladm::cli
