// ladm select / ladm stats / ladm override
#include "app/cache_access.h"
#include "app/commands.h"
#include "cli/args.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace ladm::cli {

namespace {

const char* kSelectHelp = R"(usage: ladm select --cache DB --mode MODE [options]

Chooses samples from the newest scoring run (or --run N) and stores the choice in the
cache as a named selection (default "default") for ladm export and the desktop app.

modes:
  reference      the authors' filter.py: for p = 1..100 % take the top p % of every domain
                 by CDS; stop at the first p whose tokens exceed --budget (overshoots by
                 at most one step)
  budget-exact   the same domain balance, trimmed to fit --budget
  threshold      CDS >= --threshold, or per domain with --domain-threshold NAME=X
  top            the best --top FRACTION (0..1) or --top-count N by CDS
options:
  --budget N           tokens, e.g. 500M, 1B (default 2^30 as in the reference)
  --threshold X        --domain-threshold NAME=X (repeatable)
  --top F              --top-count N
  --name NAME          selection name (default "default")
  --run N              scoring run (default the newest)
  --json               print the summary as JSON
Manual overrides (ladm override) are respected: keep always, reject never. Token counts
are the samples' original (untruncated) lengths.
)";

const char* kStatsHelp = R"(usage: ladm stats --cache DB [--run N] [--json]

Per-domain counts (samples, ok / too_short / error), tokens and CDS quantiles of a run.
)";

const char* kOverrideHelp = R"(usage: ladm override --cache DB ID keep|reject|clear [--note TEXT]

Sets or clears a manual decision for one sample; selections and exports honour it.
)";

} // namespace

int cmd_select(const std::vector<std::string>& argv) {
    Args a(argv, {"help", "json"},
           {"cache", "mode", "budget", "threshold", "domain-threshold", "top", "top-count", "name",
            "run"});
    if (a.flag("help")) {
        std::cout << kSelectHelp;
        return kOk;
    }
    auto usage = [](const std::string& m) {
        std::cerr << "ladm select: " << m << " (see ladm select --help)\n";
        return kUsage;
    };
    if (!a.ok()) return usage(a.error());
    if (!a.get("cache") || !a.get("mode")) return usage("--cache DB and --mode are required");
    SelectionRecipe rc;
    auto mode = parse_select_mode(*a.get("mode"));
    if (!mode) return usage("unknown mode '" + *a.get("mode") + "'");
    rc.mode = *mode;
    if (auto b = a.get("budget"); b && !parse_token_count(*b, &rc.budget))
        return usage("bad --budget '" + *b + "'");
    try {
        if (auto t = a.get("threshold")) rc.threshold = std::stod(*t);
        for (const auto& dt : a.all("domain-threshold")) {
            const auto eq = dt.rfind('=');
            if (eq == std::string::npos) return usage("--domain-threshold takes NAME=X");
            rc.domain_thresholds[dt.substr(0, eq)] = std::stod(dt.substr(eq + 1));
        }
        if (auto t = a.get("top")) rc.top_fraction = std::stod(*t);
        if (auto t = a.get("top-count")) rc.top_count = std::stoll(*t);
    } catch (...) {
        return usage("--threshold, --domain-threshold, --top and --top-count take numbers");
    }
    if (rc.mode == SelectMode::Top && rc.top_fraction &&
        (*rc.top_fraction < 0 || *rc.top_fraction > 1))
        return usage("--top takes a fraction between 0 and 1");
    int64_t run = 0;
    auto cache = open_cache_run("select", *a.get("cache"), a.get("run"), &run);
    if (!cache) return kFailure;
    const auto rows = cache->results(run);
    const SelectionResult res = select_samples(candidates_of(rows), rc);
    if (!res.error.empty()) {
        std::cerr << "ladm select: " << res.error << "\n";
        return kUsage;
    }
    const nlohmann::json recipe = recipe_json(rc, run, res);
    std::string err;
    const std::string name = a.get("name").value_or("default");
    if (!cache->save_selection(name, recipe.dump(), res.kept, &err)) {
        std::cerr << "ladm select: " << err << "\n";
        return kFailure;
    }
    if (a.flag("json")) {
        std::cout << recipe.dump(2) << "\n";
        return kOk;
    }
    std::printf("selection '%s' (%s%s) from run %lld\n", name.c_str(), select_mode_name(rc.mode),
                rc.mode == SelectMode::Reference || rc.mode == SelectMode::BudgetExact
                    ? (", stopped at " + std::to_string(res.percent) + "%").c_str()
                    : "",
                (long long)run);
    std::printf("%-24s %10s %10s %14s %14s\n", "domain", "kept", "samples", "kept tokens",
                "tokens");
    for (const auto& [d, s] : res.domains)
        std::printf("%-24s %10lld %10lld %14lld %14lld\n", d.c_str(), (long long)s.kept_samples,
                    (long long)s.total_samples, (long long)s.kept_tokens,
                    (long long)s.total_tokens);
    std::printf("%-24s %10zu %10zu %14lld %14lld   budget %lld\n", "total", res.kept.size(),
                rows.size(), (long long)res.kept_tokens, (long long)res.total_tokens,
                (long long)rc.budget);
    return kOk;
}

int cmd_stats(const std::vector<std::string>& argv) {
    Args a(argv, {"help", "json"}, {"cache", "run"});
    if (a.flag("help")) {
        std::cout << kStatsHelp;
        return kOk;
    }
    if (!a.ok() || !a.get("cache")) {
        std::cerr << "ladm stats: " << (a.ok() ? "--cache DB is required" : a.error()) << "\n";
        return kUsage;
    }
    int64_t run = 0;
    auto cache = open_cache_run("stats", *a.get("cache"), a.get("run"), &run);
    if (!cache) return kFailure;
    const auto by = domain_stats(cache->results(run));
    const double qs[] = {0, 0.1, 0.25, 0.5, 0.75, 0.9, 1};
    if (a.flag("json")) {
        nlohmann::json j = {{"run", run}, {"domains", nlohmann::json::object()}};
        for (const auto& [d, s] : by) {
            nlohmann::json q = nlohmann::json::object();
            for (double x : qs)
                q["p" + std::to_string(int(x * 100))] =
                    s.cds.empty() ? nlohmann::json(nullptr) : nlohmann::json(quantile(s.cds, x));
            j["domains"][d] = {{"samples", s.samples},     {"ok", s.ok},
                               {"too_short", s.too_short}, {"error", s.error},
                               {"tokens", s.tokens},       {"cds_quantiles", q}};
        }
        std::cout << j.dump(2) << "\n";
        return kOk;
    }
    std::printf("run %lld\n%-20s %8s %6s %6s %6s %12s %8s %8s %8s %8s %8s\n", (long long)run,
                "domain", "samples", "ok", "short", "error", "tokens", "min", "p25", "median",
                "p75", "max");
    for (const auto& [d, s] : by)
        std::printf("%-20s %8lld %6lld %6lld %6lld %12lld %8.3g %8.3g %8.3g %8.3g %8.3g\n",
                    d.c_str(), (long long)s.samples, (long long)s.ok, (long long)s.too_short,
                    (long long)s.error, (long long)s.tokens, quantile(s.cds, 0),
                    quantile(s.cds, 0.25), quantile(s.cds, 0.5), quantile(s.cds, 0.75),
                    quantile(s.cds, 1));
    return kOk;
}

int cmd_override(const std::vector<std::string>& argv) {
    Args a(argv, {"help"}, {"cache", "note"});
    if (a.flag("help")) {
        std::cout << kOverrideHelp;
        return kOk;
    }
    if (!a.ok() || !a.get("cache") || a.positional().size() != 2) {
        std::cerr << "ladm override: "
                  << (a.ok() ? "usage: --cache DB ID keep|reject|clear" : a.error()) << "\n";
        return kUsage;
    }
    std::string err;
    auto cache = Cache::open(*a.get("cache"), &err);
    if (!cache) {
        std::cerr << "ladm override: " << err << "\n";
        return kFailure;
    }
    const std::string id = a.positional()[0], what = a.positional()[1];
    const bool ok = what == "clear"
                        ? cache->clear_override(id, &err)
                        : cache->set_override(id, what, a.get("note").value_or(""), &err);
    if (!ok) {
        std::cerr << "ladm override: " << err << "\n";
        return what == "keep" || what == "reject" || what == "clear" ? kFailure : kUsage;
    }
    return kOk;
}

} // namespace ladm::cli
