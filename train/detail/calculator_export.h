// Internal to train-calculator (libtorch types): running Debian's spm_train, writing JSON,
// and exporting the trained tensors as a Hugging Face Llama folder (config.json +
// model.safetensors, bf16 or fp32).
#pragma once

#include "train/train_options.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace ladm {

// Runs `spm_train FLAGS` in a child process in directory CWD, its output to LOG.
bool run_spm_train(const std::string& flags, const std::string& log, const std::string& cwd,
                   std::string* error);
bool write_json(const std::filesystem::path& p, const nlohmann::json& j, std::string* error);
// Writes o.out_dir/config.json and model.safetensors (atomically renamed into place).
bool export_checkpoint(const TrainOptions& o, int64_t vocab,
                       const std::vector<std::pair<std::string, torch::Tensor>>& params,
                       std::string* error);

} // namespace ladm
