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

} // namespace ladm
