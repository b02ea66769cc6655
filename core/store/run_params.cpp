#include "core/store/run_params.h"

#include <nlohmann/json.hpp>

namespace ladm {

std::string params_json(const LadmParams& p) {
    nlohmann::json j = {{"span", p.span},
                        {"d_afs", p.d_afs},
                        {"d_cds", p.d_cds},
                        {"max_len", p.max_len},
                        {"ablation", ablation_name(p.ablation)}};
    return j.dump();
}

LadmParams params_from_json(const std::string& json) {
    LadmParams p;
    const auto j = nlohmann::json::parse(json, nullptr, false);
    if (!j.is_object()) return p;
    p.span = j.value("span", p.span);
    p.d_afs = j.value("d_afs", p.d_afs);
    p.d_cds = j.value("d_cds", p.d_cds);
    p.max_len = j.value("max_len", p.max_len);
    p.ablation = parse_ablation(j.value("ablation", "none")).value_or(Ablation::None);
    return p;
}

LadmParams run_params(Cache& cache, int64_t run) {
    for (const auto& ri : cache.runs())
        if (ri.id == run) return params_from_json(ri.params);
    return {};
}

std::string model_name(const std::string& dir) {
    std::string d = dir;
    while (d.size() > 1 && d.back() == '/')
        d.pop_back();
    const size_t slash = d.rfind('/');
    return slash == std::string::npos ? d : d.substr(slash + 1);
}

std::string run_label(const RunInfo& r) {
    const LadmParams p = params_from_json(r.params), d;
    std::string changed;
    auto add = [&](const std::string& s) { changed += (changed.empty() ? "" : ", ") + s; };
    if (p.span != d.span) add("span " + std::to_string(p.span));
    if (p.d_afs != d.d_afs) add("d_afs " + std::to_string(p.d_afs));
    if (p.d_cds != d.d_cds) add("d_cds " + std::to_string(p.d_cds));
    if (p.max_len != d.max_len) add("max_len " + std::to_string(p.max_len));
    if (p.ablation != d.ablation) add(std::string("ablation ") + ablation_name(p.ablation));
    std::string when = r.created.substr(0, 16); // 2026-12-03T17:20
    if (when.size() > 10 && when[10] == 'T') when[10] = ' ';
    if (!r.created.empty() && r.created.back() == 'Z') when += " UTC";
    const std::string model = r.model.empty() ? "model " + r.fingerprint.substr(0, 8) : r.model;
    return "run " + std::to_string(r.id) + ": " + model + ", " +
           (changed.empty() ? "default parameters" : changed) + " (" + when + "), " +
           std::to_string(r.results) + " results";
}

} // namespace ladm
