// Internal (libtorch): LC gain, the long-vs-short-context loss gain of LongPPL's key-token
// search (docs/scorers.md), from the full forward's final hidden states and one forward
// per short window. Logits are formed a few rows at a time, never for the whole sequence.
#pragma once

#include "core/model/forward.h"

namespace ladm {

// log p(ids[r + 1] | ids[..r]) for rows r in [r0, r1) of the final-normed hidden states
// [n, D] through the LM head [V, D]: fp32 [r1 - r0] on the CPU. Rows go through the head
// in chunks of at most budget_bytes of logits.
torch::Tensor target_logprobs(const torch::Tensor& hidden, const torch::Tensor& head,
                              const std::vector<int32_t>& ids, int64_t r0, int64_t r1,
                              int64_t budget_bytes);

// Fills result->lcgain, lcgain_key_fraction and lcgain_tokens for ids (L > p.window) from
// `full_hidden`, the final hidden states of the whole sequence, running `runner` on each
// short window. False when cancelled through progress.
bool lc_gain(ForwardRunner& runner, const torch::Tensor& head, const std::vector<int32_t>& ids,
             const torch::Tensor& full_hidden, const LcGainParams& p, int64_t budget_bytes,
             const std::function<bool(int, int)>& progress, ScoreResult* result);

} // namespace ladm
