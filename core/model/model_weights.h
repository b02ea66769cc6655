// Internal (libtorch): the decoder's weights as fp32 tensors on the compute device,
// loaded from a Checkpoint with every shape checked against config.json.
#pragma once

#include "core/model/checkpoint.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace ladm {

struct LayerWeights {
    torch::Tensor ln_in, ln_post;       // [D]
    torch::Tensor wq, wk, wv, wo;       // [H*d, D], [KV*d, D], [KV*d, D], [D, H*d]
    torch::Tensor bq, bk, bv, bo;       // biases or undefined
    torch::Tensor w_gate, w_up, w_down; // [F, D], [F, D], [D, F]
    torch::Tensor b_gate, b_up, b_down; // biases or undefined
    torch::Tensor w_qkv;                // q, k and v stacked: one GEMM per chunk
    torch::Tensor b_qkv;
    torch::Tensor w_gate_up; // gate and up stacked: [2F, D]
    torch::Tensor b_gate_up;
};

struct ModelWeights {
    torch::Tensor embed;   // [V, D]
    torch::Tensor norm;    // [D]
    torch::Tensor lm_head; // [V, D]: loaded by load_lm_head when a score needs logits
    std::vector<LayerWeights> layers;
    size_t parameter_count = 0;
};

// Throws nothing; returns false and sets *error naming the file and tensor at fault.
bool load_weights(const Checkpoint& ck, const torch::Device& device, ModelWeights* out,
                  std::string* error);

// The LM head into out->lm_head: lm_head.weight, or the embeddings when config.json ties
// them (as transformers does). False + *error naming the file when the head is missing.
bool load_lm_head(const Checkpoint& ck, const torch::Device& device, ModelWeights* out,
                  std::string* error);

} // namespace ladm
