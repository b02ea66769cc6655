// ladm select / ladm stats / ladm override
#include "app/cache_access.h"
#include "app/commands.h"
#include "cli/args.h"

#include "core/curate/score_table.h"
#include "core/store/run_params.h"
#include "core/text/surface.h"

#include <cmath>
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
  --score NAME         select on another of the run's scores: cds (default when the run
                       has it), longattn, lexical, or a rank average such as cds+lexical
  --json               print the summary as JSON
Manual overrides (ladm override) are respected: keep always, reject never. Token counts
are the samples' original (untruncated) lengths.
)";

const char* kStatsHelp = R"(usage: ladm stats --cache DB [--run N] [--score NAME] [--json]
       ladm stats --cache DB [--run N] --compare A,B [--top N] [--json]
       ladm stats --cache DB [--run N] --confounds [--json]

Per-domain counts (samples, ok / too_short / error), tokens and quantiles of a score (CDS,
or --score: longattn, lexical, a rank average such as cds+lexical, a stored value).
--compare A,B: how two of the run's scores agree: Spearman and Kendall tau-b per domain,
and the --top N (default 10) samples they rank most differently.
--confounds: Spearman of each score against the samples' surface features (tokens,
characters per token, non-ASCII share, byte-fallback share, zstd ratio, digits and
punctuation) per domain; |rho| >= 0.5 within a domain is flagged.
)";

const char* kOverrideHelp = R"(usage: ladm override --cache DB ID keep|reject|clear [--note TEXT]

Sets or clears a manual decision for one sample; selections and exports honour it.
)";

} // namespace

int cmd_select(const std::vector<std::string>& argv) {
    Args a(argv, {"help", "json"},
           {"cache", "mode", "budget", "threshold", "domain-threshold", "top", "top-count", "name",
            "run", "score"});
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
    auto rows = cache->results(run);
    rc.score = a.get("score").value_or(run_scores(*cache, run).front());
    std::string err;
    if (!add_derived_scores(&rows, {rc.score}, &err)) {
        std::cerr << "ladm select: run " << run << ": " << err << "\n";
        return kUsage;
    }
    const SelectionResult res = select_samples(candidates_of(rows, rc.score), rc);
    if (!res.error.empty()) {
        std::cerr << "ladm select: " << res.error << "\n";
        return kUsage;
    }
    const nlohmann::json recipe = recipe_json(rc, run, res);
    const std::string name = a.get("name").value_or("default");
    if (!cache->save_selection(name, recipe.dump(), res.kept, &err)) {
        std::cerr << "ladm select: " << err << "\n";
        return kFailure;
    }
    if (a.flag("json")) {
        std::cout << recipe.dump(2) << "\n";
        return kOk;
    }
    std::printf("selection '%s' (%s%s, by %s) from run %lld\n", name.c_str(),
                select_mode_name(rc.mode),
                rc.mode == SelectMode::Reference || rc.mode == SelectMode::BudgetExact
                    ? (", stopped at " + std::to_string(res.percent) + "%").c_str()
                    : "",
                rc.score.c_str(), (long long)run);
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

namespace {
std::string fmt(double v) {
    if (!std::isfinite(v)) return "-";
    char b[32];
    std::snprintf(b, sizeof b, "%.3f", v);
    return b;
}
nlohmann::json num(double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

int stats_compare(std::vector<ResultRow> rows, int64_t run, const std::string& spec, size_t top,
                  bool json) {
    const auto comma = spec.find(',');
    if (comma == std::string::npos) {
        std::cerr << "ladm stats: --compare takes two scores, A,B\n";
        return kUsage;
    }
    const std::string a = spec.substr(0, comma), b = spec.substr(comma + 1);
    std::string err;
    if (!add_derived_scores(&rows, {a, b}, &err)) {
        std::cerr << "ladm stats: run " << run << ": " << err << "\n";
        return kUsage;
    }
    const auto agree = score_agreement(rows, a, b);
    const auto dis = disagreements(rows, a, b, top);
    if (json) {
        nlohmann::json j = {{"run", run}, {"a", a}, {"b", b}, {"domains", nlohmann::json::array()}};
        for (const auto& g : agree)
            j["domains"].push_back({{"domain", g.domain},
                                    {"pairs", g.pairs},
                                    {"spearman", num(g.spearman)},
                                    {"kendall", num(g.kendall)}});
        j["disagreements"] = nlohmann::json::array();
        for (const auto& d : dis)
            j["disagreements"].push_back({{"id", d.key},
                                          {"domain", d.domain},
                                          {a, d.a},
                                          {b, d.b},
                                          {"rank_" + a, d.rank_a},
                                          {"rank_" + b, d.rank_b}});
        std::cout << j.dump(2) << "\n";
        return kOk;
    }
    std::printf("run %lld: %s vs %s\n%-20s %8s %9s %9s\n", (long long)run, a.c_str(), b.c_str(),
                "domain", "pairs", "spearman", "kendall");
    for (const auto& g : agree)
        std::printf("%-20s %8lld %9s %9s\n", g.domain.c_str(), (long long)g.pairs,
                    fmt(g.spearman).c_str(), fmt(g.kendall).c_str());
    std::printf("\nmost different ranks (rank as a fraction of the run, 1 = highest):\n");
    std::printf("%-28s %-16s %10s %10s %8s %8s\n", "id", "domain", a.c_str(), b.c_str(),
                ("rank " + a).c_str(), ("rank " + b).c_str());
    for (const auto& d : dis)
        std::printf("%-28s %-16s %10.4g %10.4g %8.2f %8.2f\n", d.key.c_str(), d.domain.c_str(), d.a,
                    d.b, d.rank_a, d.rank_b);
    return kOk;
}

int stats_confounds(std::vector<ResultRow> rows, int64_t run, std::vector<std::string> scores,
                    bool json) {
    scores = present_scores(&rows, scores); // lcgain: only once a sample had enough tokens
    if (scores.empty()) {
        std::cerr << "ladm stats: run " << run << " has no scored results yet\n";
        return kUsage;
    }
    const auto cf = confounds(rows, scores);
    if (json) {
        nlohmann::json j = {{"run", run}, {"warning_at", kConfoundWarning}};
        j["confounds"] = nlohmann::json::array();
        for (const auto& c : cf)
            j["confounds"].push_back({{"score", c.score},
                                      {"domain", c.domain},
                                      {"feature", c.feature},
                                      {"pairs", c.pairs},
                                      {"spearman", num(c.rho)},
                                      {"warning", c.warn}});
        std::cout << j.dump(2) << "\n";
        return kOk;
    }
    const auto features = confound_features(rows);
    int warnings = 0;
    for (const auto& s : scores) {
        std::printf("run %lld: Spearman of %s against surface features\n%-20s", (long long)run,
                    s.c_str(), "domain");
        for (const auto& f : features)
            std::printf(" %13s", feature_label(f).c_str());
        std::printf("\n");
        std::string domain;
        for (const auto& c : cf) {
            if (c.score != s) continue;
            if (c.domain != domain) {
                if (!domain.empty()) std::printf("\n");
                domain = c.domain;
                std::printf("%-20s", domain.c_str());
            }
            std::printf(" %12s%s", fmt(c.rho).c_str(), c.warn ? "!" : " ");
            warnings += c.warn;
        }
        std::printf("\n\n");
    }
    if (warnings)
        std::printf("! |rho| >= %.1f within a domain: the score follows that feature there "
                    "(%d cases); look before cutting a budget on it\n",
                    kConfoundWarning, warnings);
    return kOk;
}
} // namespace

int cmd_stats(const std::vector<std::string>& argv) {
    Args a(argv, {"help", "json", "confounds"}, {"cache", "run", "score", "compare", "top"});
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
    auto rows = cache->results(run);
    if (auto c = a.get("compare")) {
        size_t top = 10;
        try {
            if (auto t = a.get("top")) top = size_t(std::stoul(*t));
        } catch (...) {
            std::cerr << "ladm stats: --top takes a number\n";
            return kUsage;
        }
        return stats_compare(std::move(rows), run, *c, top, a.flag("json"));
    }
    if (a.flag("confounds"))
        return stats_confounds(std::move(rows), run, run_scores(*cache, run), a.flag("json"));
    const std::string score = a.get("score").value_or(run_scores(*cache, run).front());
    std::string err;
    if (!add_derived_scores(&rows, {score}, &err)) {
        std::cerr << "ladm stats: run " << run << ": " << err << "\n";
        return kUsage;
    }
    const auto by = domain_stats(rows, score);
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
                               {"tokens", s.tokens},       {score + "_quantiles", q}};
        }
        std::cout << j.dump(2) << "\n";
        return kOk;
    }
    std::printf("run %lld, %s\n%-20s %8s %6s %6s %6s %12s %8s %8s %8s %8s %8s\n", (long long)run,
                score.c_str(), "domain", "samples", "ok", "short", "error", "tokens", "min", "p25",
                "median", "p75", "max");
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
