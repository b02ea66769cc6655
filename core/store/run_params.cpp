#include "core/store/run_params.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace ladm {

bool parse_scorers(const std::string& list, ScorerSet* out, std::string* error) {
    ScorerSet s;
    s.cds = false;
    size_t begin = 0;
    while (begin <= list.size()) {
        size_t end = list.find(',', begin);
        if (end == std::string::npos) end = list.size();
        const std::string name = list.substr(begin, end - begin);
        if (name == "cds")
            s.cds = true;
        else if (name == "longattn")
            s.longattn = true;
        else if (name == "lcgain")
            s.lcgain = true;
        else if (name == "lexical")
            s.lexical = true;
        else {
            *error = "unknown scorer '" + name + "' (known: cds, longattn, lcgain, lexical)";
            return false;
        }
        begin = end + 1;
    }
    s.lexical_distance = out->lexical_distance;
    s.lcgain_params = out->lcgain_params;
    if (std::string e = validate(s); !e.empty()) {
        *error = e;
        return false;
    }
    *out = s;
    return true;
}

std::string validate(const ScorerSet& s) {
    if (s.lexical_distance <= 0)
        return "lexical distance must be positive, got " + std::to_string(s.lexical_distance);
    return validate(s.lcgain_params);
}

const std::vector<std::string>& scorer_option_names() {
    static const std::vector<std::string> names = {"lexical-distance", "lcgain-window",
                                                   "lcgain-stride", "lcgain-alpha", "lcgain-beta"};
    return names;
}

bool set_scorer_option(ScorerSet* s, const std::string& name, const std::string& value,
                       std::string* error) {
    const bool integer =
        name == "lexical-distance" || name == "lcgain-window" || name == "lcgain-stride";
    size_t used = 0;
    double x = 0;
    long long n = 0;
    try {
        if (integer)
            n = std::stoll(value, &used);
        else
            x = std::stod(value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != value.size() || (integer ? n <= 0 : !std::isfinite(x))) {
        *error = "--" + name + " takes " + (integer ? "a positive integer" : "a finite number") +
                 ", got '" + value + "'";
        return false;
    }
    if (name == "lexical-distance")
        s->lexical_distance = n;
    else if (name == "lcgain-window")
        s->lcgain_params.window = n;
    else if (name == "lcgain-stride")
        s->lcgain_params.stride = n;
    else if (name == "lcgain-alpha")
        s->lcgain_params.alpha = x;
    else if (name == "lcgain-beta")
        s->lcgain_params.beta = x;
    else {
        *error = "unknown scorer option --" + name;
        return false;
    }
    return true;
}

std::string scorers_text(const ScorerSet& s) {
    std::string t;
    auto add = [&](const char* n) { t += (t.empty() ? "" : ",") + std::string(n); };
    if (s.cds) add("cds");
    if (s.longattn) add("longattn");
    if (s.lcgain) add("lcgain");
    if (s.lexical) add("lexical");
    return t;
}

std::vector<std::string> selectable_scores(const ScorerSet& s) {
    std::vector<std::string> v;
    if (s.cds) v.push_back("cds");
    if (s.longattn) v.push_back("longattn");
    if (s.lcgain) {
        v.push_back("lcgain");
        v.push_back("lcgain_key_fraction");
    }
    if (s.lexical) v.push_back("lexical");
    return v;
}

std::string params_json(const LadmParams& p, const ScorerSet& scorers) {
    nlohmann::json j = {{"span", p.span},
                        {"d_afs", p.d_afs},
                        {"d_cds", p.d_cds},
                        {"max_len", p.max_len},
                        {"ablation", ablation_name(p.ablation)}};
    // options of scorers not in the list (--lcgain-window with cds alone) change nothing
    if (scorers_text(scorers) != scorers_text(ScorerSet{})) {
        j["scorers"] = scorers_text(scorers);
        if (scorers.lexical) j["lexical_distance"] = scorers.lexical_distance;
        if (scorers.lcgain) {
            const LcGainParams& g = scorers.lcgain_params;
            j["lcgain_window"] = g.window;
            j["lcgain_stride"] = g.stride;
            j["lcgain_alpha"] = g.alpha;
            j["lcgain_beta"] = g.beta;
        }
    }
    return j.dump();
}

ScorerSet scorers_from_json(const std::string& json) {
    const auto j = nlohmann::json::parse(json, nullptr, false);
    if (!j.is_object() || !j.contains("scorers") || !j["scorers"].is_string()) return {};
    ScorerSet parsed;
    // A value of the wrong type (a damaged cache) reads as a run of CDS alone.
    auto integer = [&](const char* key, int64_t* out) {
        const auto it = j.find(key);
        if (it == j.end()) return true;
        if (!it->is_number_integer()) return false;
        *out = it->get<int64_t>();
        return true;
    };
    auto number = [&](const char* key, double* out) {
        const auto it = j.find(key);
        if (it == j.end()) return true;
        if (!it->is_number()) return false;
        *out = it->get<double>();
        return true;
    };
    LcGainParams& g = parsed.lcgain_params;
    if (!integer("lexical_distance", &parsed.lexical_distance) ||
        !integer("lcgain_window", &g.window) || !integer("lcgain_stride", &g.stride) ||
        !number("lcgain_alpha", &g.alpha) || !number("lcgain_beta", &g.beta))
        return {};
    std::string err;
    if (!parse_scorers(j["scorers"].get<std::string>(), &parsed, &err))
        return {}; // not a list this version knows: CDS, as the record of an older run reads
    // the options of scorers not in the list are not part of the run
    if (!parsed.lcgain) parsed.lcgain_params = LcGainParams{};
    if (!parsed.lexical) parsed.lexical_distance = ScorerSet{}.lexical_distance;
    return parsed;
}

ScorerSet run_scorers(Cache& cache, int64_t run) {
    for (const auto& ri : cache.runs())
        if (ri.id == run) return scorers_from_json(ri.params);
    return {};
}

LadmParams params_from_json(const std::string& json) {
    LadmParams p;
    const auto j = nlohmann::json::parse(json, nullptr, false);
    if (!j.is_object()) return p;
    try { // a value of the wrong type (a damaged cache) leaves the defaults
        LadmParams q;
        q.span = j.value("span", q.span);
        q.d_afs = j.value("d_afs", q.d_afs);
        q.d_cds = j.value("d_cds", q.d_cds);
        q.max_len = j.value("max_len", q.max_len);
        q.ablation = parse_ablation(j.value("ablation", "none")).value_or(Ablation::None);
        p = q;
    } catch (const nlohmann::json::exception&) {
    }
    return p;
}

LadmParams run_params(Cache& cache, int64_t run) {
    for (const auto& ri : cache.runs())
        if (ri.id == run) return params_from_json(ri.params);
    return {};
}

std::vector<std::string> run_scores(Cache& cache, int64_t run) {
    return selectable_scores(run_scorers(cache, run));
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
    if (const ScorerSet sc = scorers_from_json(r.params); sc != ScorerSet{}) {
        add("scores " + scorers_text(sc));
        const LcGainParams& g = sc.lcgain_params;
        if (sc.lcgain && (g.window != LcGainParams{}.window || g.stride != LcGainParams{}.stride))
            add("lcgain window " + std::to_string(g.window) + "/" + std::to_string(g.stride));
    }
    std::string when = r.created.substr(0, 16); // 2026-12-03T17:20
    if (when.size() > 10 && when[10] == 'T') when[10] = ' ';
    if (!r.created.empty() && r.created.back() == 'Z') when += " UTC";
    const std::string model = r.model.empty() ? "model " + r.fingerprint.substr(0, 8) : r.model;
    return "run " + std::to_string(r.id) + ": " + model + ", " +
           (changed.empty() ? "default parameters" : changed) + " (" + when + "), " +
           std::to_string(r.results) + " results";
}

} // namespace ladm
