#include "train/calculator_calibrate.h"

#include "core/model/safetensors.h"
#include "core/text/tokenizer.h"
#include "train/calculator_eval.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace ladm {

namespace {
bool read_all(const fs::path& p, std::string* out, std::string* error) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in) {
        *error = p.string() + ": unreadable";
        return false;
    }
    *out = ss.str();
    return true;
}

bool write_atomically(const fs::path& p, const std::string& bytes, std::string* error) {
    const fs::path tmp = p.string() + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary);
        f.write(bytes.data(), std::streamsize(bytes.size()));
        if (!f) {
            *error = tmp.string() + ": write failed";
            return false;
        }
    }
    std::error_code ec;
    fs::rename(tmp, p, ec);
    if (ec) {
        *error = p.string() + ": cannot replace: " + ec.message();
        return false;
    }
    return true;
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
} // namespace

std::string invalid_calibration_options(const CalibrationOptions& o) {
    if (o.scales.empty()) return "no query scales to try";
    for (double s : o.scales)
        if (!(s > 0) || !std::isfinite(s))
            return "query scales must be finite and > 0 (got " + std::to_string(s) + ")";
    if (o.tokens.empty()) return "no pair lengths to try";
    if (o.pairs < 1) return "pairs must be >= 1 (got " + std::to_string(o.pairs) + ")";
    for (int n : o.tokens) {
        LadmParams p = o.params;
        p.max_len = n;
        if (std::string e = validate(p); !e.empty()) return "bad LADM parameters: " + e;
        if (query_span_starts(n, p).empty())
            return "pairs of " + std::to_string(n) + " tokens are too short for LADM (span " +
                   std::to_string(p.span) + ")";
    }
    return "";
}

nlohmann::json calibration_record(const CalibrationOptions& o, const CalibrationResult& r) {
    return {{"query_scale", r.query_scale},
            {"documents", "training (the held-out share stays unseen)"},
            {"held_out_fraction", o.held_out_fraction},
            {"seed", o.seed},
            {"ladm_params", ladm_params_record(o.params)},
            {"tokens", r.tokens},
            {"pairs", r.pairs},
            {"scales", r.scales},
            {"auc", r.auc},
            {"mean_auc", r.mean_auc}}; // no timings: the same run gives the same bytes
}

bool scale_query_projections(const std::string& dir, double scale, std::string* error) {
    const fs::path path = fs::path(dir) / "model.safetensors";
    if (fs::exists(fs::path(dir) / "model.safetensors.index.json")) {
        *error = dir + ": a sharded checkpoint (model.safetensors.index.json); only a single "
                       "model.safetensors can be calibrated";
        return false;
    }
    auto file = SafetensorsFile::open(path.string(), error); // validates offsets and dtypes
    if (!file) return false;
    std::vector<TensorView> q;
    for (const auto& [name, t] : file->tensors())
        if (ends_with(name, ".self_attn.q_proj.weight") ||
            ends_with(name, ".self_attn.q_proj.bias"))
            q.push_back(t);
    if (q.empty()) {
        *error = path.string() + ": no *.self_attn.q_proj.weight tensors to scale";
        return false;
    }
    std::string bytes;
    if (!read_all(path, &bytes, error)) return false;
    uint64_t header_len = 0;
    for (int i = 0; i < 8; ++i)
        header_len |= uint64_t(uint8_t(bytes[size_t(i)])) << (8 * i);
    const auto header = nlohmann::json::parse(bytes.substr(8, header_len));
    for (const auto& t : q) {
        const size_t off = 8 + header_len + header[t.name]["data_offsets"][0].get<size_t>();
        const auto dt = t.dtype == DType::F32   ? torch::kFloat32
                        : t.dtype == DType::F16 ? torch::kFloat16
                                                : torch::kBFloat16;
        auto w = torch::from_blob(bytes.data() + off, {t.numel()}, dt);
        auto scaled = (w.to(torch::kFloat32) * scale).to(dt).contiguous();
        std::memcpy(bytes.data() + off, scaled.data_ptr(), t.nbytes);
    }
    file.reset(); // unmap before replacing
    return write_atomically(path, bytes, error);
}

bool calibrate_query_scale(const CalibrationOptions& o,
                           const std::function<void(int, int)>& progress, CalibrationResult* res,
                           std::string* error) {
    const auto t0 = std::chrono::steady_clock::now();
    if (std::string e = invalid_calibration_options(o); !e.empty()) {
        *error = e;
        return false;
    }
    const fs::path config_path = fs::path(o.model_dir) / "config.json";
    std::string config_text;
    if (!read_all(config_path, &config_text, error)) return false;
    auto config = nlohmann::json::parse(config_text, nullptr, false);
    if (config.is_discarded() || !config.is_object()) {
        *error = config_path.string() + ": not a JSON object";
        return false;
    }
    if (config.contains("ladm_studio_calibration")) {
        *error = o.model_dir + " is already calibrated (config.json has ladm_studio_calibration); "
                               "calibrate the uncalibrated checkpoint (re-running "
                               "train-calculator exports it again)";
        return false;
    }
    auto tok = Tokenizer::from_dir(o.model_dir, error);
    if (!tok) return false;

    EvalOptions eo;
    eo.model_dir = o.model_dir;
    eo.text_files = o.text_files;
    eo.held_out_fraction = o.held_out_fraction;
    eo.training_documents = true;
    eo.exclude_kinds = o.exclude_kinds;
    eo.pairs = o.pairs;
    eo.params = o.params;
    eo.seed = o.seed;
    using Pairs = std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>>;
    std::vector<Pairs> pairs(o.tokens.size());
    std::vector<std::vector<std::string>> domains(o.tokens.size());
    int total = 0;
    for (size_t n = 0; n < o.tokens.size(); ++n) {
        eo.tokens = o.tokens[n];
        if (!build_eval_pairs(eo, *tok, &pairs[n], &domains[n], error)) return false;
        res->pairs.push_back(int(pairs[n].size()));
        total += int(pairs[n].size() * o.scales.size());
    }
    res->scales = o.scales;
    res->tokens = o.tokens;
    res->auc.assign(o.scales.size(), {});
    res->mean_auc.assign(o.scales.size(), 0.0);
    int done = 0;
    size_t best = 0;
    for (size_t s = 0; s < o.scales.size(); ++s) {
        eo.query_scale = o.scales[s];
        for (size_t n = 0; n < o.tokens.size(); ++n) {
            eo.tokens = o.tokens[n];
            EvalResult r;
            const int before = done;
            if (!evaluate_pairs(
                    eo, pairs[n], domains[n],
                    [&](int d, int) {
                        done = before + d;
                        if (progress) progress(done, total);
                    },
                    &r, error))
                return false;
            res->auc[s].push_back(r.auc);
            res->mean_auc[s] += r.auc / double(o.tokens.size());
        }
        // The best mean AUC; of equals, the scale that changes the model least.
        const bool better = res->mean_auc[s] > res->mean_auc[best] ||
                            (res->mean_auc[s] == res->mean_auc[best] &&
                             std::abs(std::log(o.scales[s])) < std::abs(std::log(o.scales[best])));
        if (better) best = s;
    }
    res->query_scale = o.scales[best];
    res->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!o.write) return true;

    config["ladm_studio_calibration"] = calibration_record(o, *res);
    // The record first, so a folder never holds scaled weights without it (which a second
    // calibration would scale again); put back if the weights cannot be written.
    if (!write_atomically(config_path, config.dump(2) + "\n", error)) return false;
    if (res->query_scale != 1.0 && !scale_query_projections(o.model_dir, res->query_scale, error)) {
        std::string ignored;
        write_atomically(config_path, config_text, &ignored);
        return false;
    }
    return true;
}

} // namespace ladm
