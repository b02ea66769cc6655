// ladm calibrate-calculator --model DIR
#include "cli/args.h"
#include "train/calculator_calibrate.h"
#include "train/calculator_eval.h"
#include "train/cli/train_commands.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace ladm::cli {

namespace {
const char* kHelp =
    R"(usage: ladm calibrate-calculator --model DIR [--scales LIST] [--tokens LIST] [--pairs N]
                                 [--seed N] [--held-out F] [--dry-run] [--text FILE]...

Chooses the attention temperature of a calculator trained by train-calculator (which runs
this at its end): scores coherent vs spliced pairs made of its *training* documents (the
hash split's other side: the held-out documents eval-calculator uses stay unseen) with
every attention logit multiplied by each scale in LIST, and multiplies the query
projections in DIR/model.safetensors by the scale with the best mean ROC AUC over the
lengths (same dtype, replaced atomically; DIR/config.json records the choice and every
AUC under "ladm_studio_calibration"). A folder already calibrated is refused.
Defaults: --scales 1,1.125,1.25,1.5 --tokens 4096,8192 --pairs 40 (per length),
--held-out: the share DIR/config.json records, else 0.10. --dry-run: measure, change
nothing. Prints the measurements as JSON.
)";
} // namespace

int cmd_calibrate_calculator(const std::vector<std::string>& argv) {
    Args a(argv, {"help", "dry-run"},
           {"model", "scales", "tokens", "pairs", "seed", "held-out", "text"});
    if (a.flag("help")) {
        std::cout << kHelp;
        return kOk;
    }
    if (!a.ok() || !a.get("model")) {
        std::cerr << "ladm calibrate-calculator: "
                  << (a.ok() ? "--model DIR is required" : a.error()) << "\n";
        return kUsage;
    }
    CalibrationOptions o;
    o.model_dir = *a.get("model");
    o.text_files = a.all("text");
    o.write = !a.flag("dry-run");
    try {
        if (auto v = a.get("scales")) o.scales = number_list(*v);
        if (auto v = a.get("tokens")) {
            o.tokens.clear();
            for (double t : number_list(*v))
                o.tokens.push_back(int(t));
        }
        if (auto v = a.get("pairs")) o.pairs = std::stoi(*v);
        if (auto v = a.get("seed")) o.seed = std::stoull(*v);
        o.held_out_fraction = a.get("held-out")
                                  ? std::stod(*a.get("held-out"))
                                  : recorded_held_out_fraction(o.model_dir, o.held_out_fraction);
        o.exclude_kinds = recorded_leave_out(o.model_dir); // kinds the model must not see
    } catch (...) {
        std::cerr << "ladm calibrate-calculator: --scales and --tokens take comma-separated "
                     "numbers, the other numeric options a number\n";
        return kUsage;
    }
    if (std::string e = invalid_calibration_options(o); !e.empty()) {
        std::cerr << "ladm calibrate-calculator: " << e << "\n";
        return kUsage;
    }
    CalibrationResult r;
    std::string err;
    bool progress_shown = false;
    const bool ok = calibrate_query_scale(
        o,
        [&progress_shown](int d, int n) {
            std::fprintf(stderr, "\rpair %d/%d", d, n);
            progress_shown = true;
        },
        &r, &err);
    if (progress_shown) std::fprintf(stderr, "\n");
    if (!ok) {
        std::cerr << "ladm calibrate-calculator: " << err << "\n";
        return kFailure;
    }
    auto j = calibration_record(o, r);
    j["written"] = o.write;
    j["seconds"] = r.seconds;
    std::cout << j.dump(2) << "\n";
    return kOk;
}

} // namespace ladm::cli
