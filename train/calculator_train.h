// Training the bundled attention calculator: a small Llama-architecture model, trained by
// this project's own code on text Debian installs, with a curriculum that rewards
// retrieval (passages, or random tokens, that recur later) and long positions (PoSE-style skips),
// exported as a Hugging Face folder the engine loads like any user checkpoint.
//
//   ladm::TrainOptions o;               // defaults: the bundled calculator's recipe
//   o.out_dir = "resources/calculator";
//   ladm::train_calculator(o, progress, &err);   // resumes from out_dir/train-state
//
// Plain types only; libtorch stays in calculator_train.cpp.
#pragma once

#include "train/calculator_calibrate.h"
#include "train/train_options.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ladm {

struct TrainResult {
    int steps_done = 0;
    double final_loss = 0;
    double held_out_loss = 0;        // nats/token on held-out documents (training forward)
    double held_out_loss_engine = 0; // same batch through the exported checkpoint + Engine
    double unigram_loss = 0;         // held-out unigram baseline, nats/token
    int64_t held_out_tokens = 0;     // predicted tokens those losses average over
    bool calibrated = false;         // TrainOptions::calibration ran
    CalibrationResult calibration;
    double held_out_loss_calibrated = 0; // through the calibrated checkpoint + Engine
    std::string tokenizer_sources;       // what the text came from
};

// Trains (or resumes) and exports out_dir/{config.json, model.safetensors, tokenizer.model,
// tokenizer_config.json}. progress may return false to stop early (state is saved).
bool train_calculator(const TrainOptions& o,
                      const std::function<bool(const TrainProgress&)>& progress,
                      TrainResult* result, std::string* error);

// Why `o` cannot be trained (a size, count or fraction out of range, named with its value),
// or empty. train_calculator refuses such options before reading any text.
std::string invalid_train_options(const TrainOptions& o);

} // namespace ladm
