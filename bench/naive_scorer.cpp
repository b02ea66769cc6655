#include "bench/naive_scorer.h"

#include "bench/bench_common.h"
#include "core/model/forward.h"
#include "core/model/model_weights.h"
#include "core/model/rope.h"

#include <cmath>
#include <limits>

namespace ladm::bench {

bool naive_fits(const std::string& dir, int64_t L) {
    std::string err;
    auto cfg = ModelConfig::from_file(dir + "/config.json", &err);
    if (!cfg) return false;
    // scores [H, L, L] fp32, plus the saved q/k of every layer and the weights
    const double need_mb = double(cfg->num_heads) * double(L) * double(L) * 4.0 / (1 << 20);
    return need_mb * 1.15 < available_memory_mb() * 0.8;
}

bool naive_score(const std::string& dir, const std::vector<int32_t>& ids, const LadmParams& p,
                 double* cds, std::string* error) {
    c10::InferenceMode guard;
    auto ck = Checkpoint::open(dir, error);
    if (!ck) return false;
    ModelWeights w;
    if (!load_weights(*ck, torch::kCPU, &w, error)) return false;
    const ModelConfig& c = ck->config();
    const int64_t L = int64_t(ids.size()), H = c.num_heads, KV = c.num_kv_heads, d = c.head_dim;
    const int64_t Hd = H * d, KVd = KV * d, F = c.intermediate_size;
    auto idt =
        torch::from_blob(const_cast<int32_t*>(ids.data()), {L}, torch::kInt32).to(torch::kInt64);
    auto x = w.embed.index_select(0, idt);
    auto rope = rope_tables(c, L, torch::kCPU);
    std::vector<torch::Tensor> qs, ks; // per layer: [H, L, d]

    for (const auto& lw : w.layers) {
        auto h = rms_norm(x, lw.ln_in, c.rms_norm_eps);
        auto qkv = lw.b_qkv.defined() ? torch::addmm(lw.b_qkv, h, lw.w_qkv.t())
                                      : torch::mm(h, lw.w_qkv.t());
        auto q = apply_rope(qkv.narrow(1, 0, Hd).view({L, H, d}), rope, 0)
                     .permute({1, 0, 2})
                     .contiguous();
        auto k = apply_rope(qkv.narrow(1, Hd, KVd).view({L, KV, d}), rope, 0).permute({1, 0, 2});
        auto v = qkv.narrow(1, Hd + KVd, KVd).view({L, KV, d}).permute({1, 0, 2});
        k = k.repeat_interleave(H / KV, 0).contiguous(); // [H, L, d]
        v = v.repeat_interleave(H / KV, 0).contiguous();
        // Eager attention: the whole [H, L, L] score matrix, softmax in place.
        auto scores = torch::bmm(q, k.transpose(1, 2)).mul_(1.0 / std::sqrt(double(d)));
        scores.masked_fill_(torch::ones({L, L}, torch::kBool).triu(1),
                            -std::numeric_limits<float>::infinity());
        scores.sub_(scores.amax(-1, true)).exp_();
        scores.div_(scores.sum(-1, true));
        auto o = torch::bmm(scores, v).permute({1, 0, 2}).reshape({L, Hd});
        scores = torch::Tensor();
        x = x + (lw.bo.defined() ? torch::addmm(lw.bo, o, lw.wo.t()) : torch::mm(o, lw.wo.t()));
        auto h2 = rms_norm(x, lw.ln_post, c.rms_norm_eps);
        auto gu = torch::mm(h2, lw.w_gate_up.t());
        x = x + torch::mm(torch::silu(gu.narrow(1, 0, F)) * gu.narrow(1, F, F), lw.w_down.t());
        qs.push_back(q);
        ks.push_back(k);
    }

    // Second pass: span attention from the saved queries and keys.
    const auto starts = query_span_starts(L, p);
    if (starts.empty()) {
        *error = "too short";
        return false;
    }
    WindowGrid grid(L, p.span);
    double total = 0;
    for (size_t l = 0; l < qs.size(); ++l) {
        double layer = 0;
        for (int64_t t : starts) {
            auto logits =
                torch::bmm(qs[l].narrow(1, t, p.span), ks[l].narrow(1, 0, t).transpose(1, 2)) /
                std::sqrt(double(d));
            auto a = torch::softmax(logits, -1).sum(1).mean(0).to(torch::kFloat64); // [t]
            std::vector<double> mass(size_t(grid.count()), 0.0);
            for (int64_t wi = 0; wi < grid.index_of(t); ++wi)
                mass[size_t(wi)] =
                    a.narrow(0, grid.begin(wi), grid.end(wi) - grid.begin(wi)).sum().item<double>();
            layer += aggregated_focus(t, L, pairwise_focus(t, mass, grid, p), p);
        }
        total += layer / double(starts.size());
    }
    *cds = total / double(qs.size());
    return true;
}

} // namespace ladm::bench
