// Internal (libtorch): rotary position tables, computed as transformers computes them
// (fp32 inverse frequencies times fp32 positions), including linear, dynamic-NTK and
// llama3 rope_scaling.
#pragma once

#include "core/model/model_config.h"

#include <torch/torch.h>

namespace ladm {

// Inverse frequencies [head_dim/2], fp32, for a sequence of `seq_len` tokens
// (dynamic scaling depends on it).
torch::Tensor rope_inv_freq(const ModelConfig& c, int64_t seq_len);

struct RopeTables {
    torch::Tensor cos, sin; // [L, head_dim], fp32: cat(freqs, freqs) as in transformers
};
RopeTables rope_tables(const ModelConfig& c, int64_t seq_len, const torch::Device& device);

// x: [rows, heads, head_dim] for positions [row0, row0 + rows). Returns the rotated copy.
torch::Tensor apply_rope(const torch::Tensor& x, const RopeTables& t, int64_t row0);

} // namespace ladm
