// Internal (libtorch): the decoder forward with blockwise causal attention and the LADM
// span capture fused into it.
//
// Memory per layer is O(L): the hidden states [L, D], the queries [H, L, d], keys and
// values [KV, L, d], and one logits workspace of `attention_budget_bytes`
// (hs*B x L for hs of the query heads sharing a KV head and a block of B query rows).
// No L x L matrix exists at any time.
#pragma once

#include "core/model/model_weights.h"
#include "core/model/rope.h"
#include "core/model/score_types.h"

#include <torch/torch.h>

namespace ladm {

struct ForwardRequest {
    const LadmParams* params = nullptr; // capture LADM spans when set
    bool keep_layer_matrices = false;
    bool want_hidden = false; // run every layer to the end and return final-normed states
    // LongAttn's first-layer sums (ScoreResult::longattn_*); with no params and no hidden
    // states wanted, the forward stops after the first layer.
    bool longattn = false;
    std::function<bool(int, int)> progress;
};

class ForwardRunner {
  public:
    ForwardRunner(const ModelConfig& c, const ModelWeights& w, const torch::Device& dev,
                  const EngineOptions& opts);
    // Fills the LADM part of *result (when req.params) and *hidden (when req.want_hidden).
    // Returns false when cancelled through req.progress.
    bool run(const std::vector<int32_t>& ids, const ForwardRequest& req, ScoreResult* result,
             torch::Tensor* hidden = nullptr);

  private:
    struct Layout;
    struct SpanCapture;
    struct LongAttnCapture;
    void attention_block(const Layout& lay, int64_t s0, int64_t s1, const torch::Tensor& Q,
                         const torch::Tensor& K, const torch::Tensor& V, torch::Tensor* attn,
                         int64_t attn_row0, SpanCapture* cap, bool need_output, bool direct_spans,
                         LongAttnCapture* la = nullptr);
    void direct_span_mass(const torch::Tensor& Q, const torch::Tensor& K, int64_t kv, int64_t t,
                          int64_t C, torch::Tensor& acc, int64_t g0 = 0, int64_t hs = 0) const;

    const ModelConfig& m_cfg;
    const ModelWeights& m_w;
    torch::Device m_dev;
    EngineOptions m_opts;
    torch::Tensor m_workspace; // logits of one (KV head, query block) step
    torch::Tensor m_tri;       // [B, B] causal mask: 0 on/below the diagonal, -inf above
};

// FLOPs one scoring forward of L tokens performs (linear layers + causal attention of
// every layer but the last; the last layer only needs q/k projections and the span
// logits). Multiply-add = 2 FLOPs.
double scoring_flops(const ModelConfig& c, int64_t L, const LadmParams& p = LadmParams{});

// FLOPs of a full forward (every layer to the end), for reference.
double full_forward_flops(const ModelConfig& c, int64_t L);

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& w, double eps);

} // namespace ladm
