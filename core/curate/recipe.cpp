#include "core/curate/recipe.h"

#include <algorithm>
#include <cmath>

namespace ladm {

std::vector<Candidate> candidates_of(const std::vector<ResultRow>& rows, const std::string& score) {
    std::vector<Candidate> c;
    c.reserve(rows.size());
    for (const auto& r : rows) {
        const double v = r.score(score);
        const bool scored = r.status == "ok" && std::isfinite(v);
        c.push_back(
            {r.sample_id, r.domain, scored ? v : 0.0, r.tokens, scored, r.override_decision});
    }
    return c;
}

nlohmann::json recipe_json(const SelectionRecipe& rc, int64_t run, const SelectionResult& res) {
    nlohmann::json recipe = {
        {"mode", select_mode_name(rc.mode)}, {"run", run}, {"budget", rc.budget}};
    if (rc.score != "cds") recipe["score"] = rc.score; // a CDS recipe reads as it always has
    // Only what the mode reads: a front end may hold values for every mode (the app's
    // panel does), and a recipe must not depend on which front end wrote it.
    switch (rc.mode) {
    case SelectMode::Reference:
    case SelectMode::BudgetExact:
        recipe["percent"] = res.percent;
        break;
    case SelectMode::Threshold:
        if (rc.threshold) recipe["threshold"] = *rc.threshold;
        if (!rc.domain_thresholds.empty()) recipe["domain_thresholds"] = rc.domain_thresholds;
        break;
    case SelectMode::Top:
        if (rc.top_count)
            recipe["top_count"] = *rc.top_count;
        else if (rc.top_fraction)
            recipe["top_fraction"] = *rc.top_fraction;
        break;
    }
    nlohmann::json domains = nlohmann::json::object();
    for (const auto& [d, s] : res.domains)
        domains[d] = {{"kept_samples", s.kept_samples},
                      {"total_samples", s.total_samples},
                      {"kept_tokens", s.kept_tokens},
                      {"total_tokens", s.total_tokens}};
    recipe["domains"] = domains;
    recipe["kept_tokens"] = res.kept_tokens;
    recipe["kept_samples"] = res.kept.size();
    return recipe;
}

double quantile_sorted(const std::vector<double>& v, double q) {
    if (v.empty()) return NAN;
    const double pos = q * double(v.size() - 1);
    const size_t lo = size_t(std::floor(pos)), hi = size_t(std::ceil(pos));
    return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
}

double quantile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    return quantile_sorted(v, q);
}

std::map<std::string, DomainStats> domain_stats(const std::vector<ResultRow>& rows,
                                                const std::string& score) {
    std::map<std::string, DomainStats> by;
    for (const auto& r : rows) {
        const double v = r.score(score);
        for (DomainStats* acc : {&by[r.domain], &by["(all)"]}) {
            ++acc->samples;
            acc->tokens += r.tokens;
            if (r.status == "ok") {
                ++acc->ok;
                if (std::isfinite(v)) acc->cds.push_back(v);
            } else if (r.status == "too_short")
                ++acc->too_short;
            else
                ++acc->error;
        }
    }
    return by;
}

} // namespace ladm
