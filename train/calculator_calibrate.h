// Calibrating a calculator's attention temperature: LADM reads how sharply later spans
// attend to far-earlier ones, and a small calculator trained by train-calculator attends
// more softly than separates documents best. calibrate_query_scale scores coherent vs
// spliced pairs made of *training* documents (the held-out ones stay unseen by the choice)
// with every attention logit multiplied by each candidate scale, picks the scale with the
// best mean ROC AUC over the lengths, and folds it into the checkpoint's query projections
// (model.safetensors, same dtype) and config.json ("ladm_studio_calibration").
//
//   ladm::CalibrationOptions o;
//   o.model_dir = "resources/calculator";
//   ladm::calibrate_query_scale(o, progress, &result, &err);
#pragma once

#include "core/model/ladm_math.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ladm {

struct CalibrationOptions {
    std::string model_dir;
    std::vector<std::string> text_files; // as in calculator_text_files()
    double held_out_fraction = 0.10;     // the training run's split (these stay unseen)
    std::vector<double> scales = {1.0, 1.125, 1.25, 1.5};
    std::vector<int> tokens = {4096, 8192}; // pair lengths; the AUC is averaged over them
    int pairs = 40;                         // per length
    LadmParams params;                      // span, d_afs, d_cds (max_len: each length)
    uint64_t seed = 1;
    bool write = true;                      // false: measure and report only
    std::vector<std::string> exclude_kinds; // kinds the model must not see (--leave-out)
};

struct CalibrationResult {
    double query_scale = 1.0; // the chosen one (written when CalibrationOptions::write)
    std::vector<double> scales;
    std::vector<int> tokens;
    std::vector<int> pairs;               // [length]
    std::vector<std::vector<double>> auc; // [scale][length]
    std::vector<double> mean_auc;         // [scale]
    double seconds = 0;
};

// Why these options cannot calibrate (a scale <= 0 or not finite, no scales or lengths,
// pairs < 1, a length LADM cannot score with params), or empty.
std::string invalid_calibration_options(const CalibrationOptions& o);

// progress(done, total) counts scored pairs over all scales and lengths. Refuses a folder
// already calibrated (its config.json has "ladm_studio_calibration"): scales would compound.
bool calibrate_query_scale(const CalibrationOptions& o,
                           const std::function<void(int done, int total)>& progress,
                           CalibrationResult* result, std::string* error);

// What calibration chose and measured, as config.json records it ("ladm_studio_calibration").
nlohmann::json calibration_record(const CalibrationOptions& o, const CalibrationResult& r);

// Multiplies every query projection in dir/model.safetensors (tensors named
// *.self_attn.q_proj.weight / .bias; one file, F32, F16 or BF16, written back in its dtype,
// atomically) by scale: every attention logit is multiplied by scale (RoPE is linear).
bool scale_query_projections(const std::string& dir, double scale, std::string* error);

} // namespace ladm
