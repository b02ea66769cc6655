#include "core/model/forward.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ladm {

namespace {
torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
    return b.defined() ? torch::addmm(b, x, w.t()) : torch::mm(x, w.t());
}

// Below this row sum (of exp(logit - causal row max) over the keys before the span) the
// reused exponentials could have lost precision to underflow; such a head's span is then
// recomputed with its own softmax.
constexpr float kMinReusedRowSum = 1e-25f;
} // namespace

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& w, double eps) {
    auto var = x.pow(2).mean(-1, /*keepdim=*/true);
    return w * (x * torch::rsqrt(var + eps));
}

// Geometry of one forward: query blocks of B rows and row chunks of R rows, both anchored
// at the end of the sequence so that every LADM query span [t, t+C) (t = L - C - k*S) lies
// inside one block.
struct ForwardRunner::Layout {
    int64_t L, H, KV, G, d, B, R;
    int64_t hs; // query heads per attention step (a divisor of G)
    std::vector<std::pair<int64_t, int64_t>> chunks; // [c0, c1), ascending
    std::vector<std::pair<int64_t, int64_t>> blocks_of(int64_t c0, int64_t c1) const {
        std::vector<std::pair<int64_t, int64_t>> out;
        for (int64_t e = c1; e > c0; e -= B)
            out.emplace_back(std::max(c0, e - B), e);
        std::reverse(out.begin(), out.end());
        return out;
    }
};

// Per-layer LADM accumulation: for every query span, the head-summed attention mass
// on each key position before the span (fp32 [t]).
struct ForwardRunner::SpanCapture {
    const LadmParams* p = nullptr;
    std::vector<int64_t> starts;    // descending, as in the spec
    std::vector<torch::Tensor> acc; // per span: [t], sum over heads and span rows
    int64_t span_index(int64_t t) const {
        for (size_t i = 0; i < starts.size(); ++i)
            if (starts[i] == t) return int64_t(i);
        return -1;
    }
};

ForwardRunner::ForwardRunner(const ModelConfig& c, const ModelWeights& w, const torch::Device& dev,
                             const EngineOptions& opts)
    : m_cfg(c)
    , m_w(w)
    , m_dev(dev)
    , m_opts(opts) {}

// LongAttn's accumulation in the first layer: per head, the sum and the sum of squares of
// the causal attention probabilities P[r, j] over rows r >= row0 = L - m and keys
// j <= r - row0 (so j < m), m = 3 * (L / 4): the lower-triangular block of the reference's
// mask (docs/scorers.md).
struct ForwardRunner::LongAttnCapture {
    int64_t m = 0, row0 = 0;
    torch::Tensor sum, sum_sq; // [H] float64, CPU
};

void ForwardRunner::direct_span_mass(const torch::Tensor& Q, const torch::Tensor& K, int64_t kv,
                                     int64_t t, int64_t C, torch::Tensor& acc, int64_t g0,
                                     int64_t hs) const {
    // Q: [KV, G, L, d] (pre-scaled by 1/sqrt(d)); K: [KV, L, d]. Fresh softmax over the keys
    // [0, t) for heads [g0, g0+hs) of this KV group (all when hs = 0), rows of the span
    // summed: cost 2*hs*C*t*d.
    const int64_t d = Q.size(3);
    if (hs == 0) hs = Q.size(1) - g0;
    auto q = Q[kv].narrow(0, g0, hs).narrow(1, t, C).reshape({hs * C, d});
    auto logits = torch::mm(q, K[kv].narrow(0, 0, t).t()); // [G*C, t]
    auto p = torch::softmax(logits, 1);
    acc += p.sum(0);
}

void ForwardRunner::attention_block(const Layout& lay, int64_t s0, int64_t s1,
                                    const torch::Tensor& Q, const torch::Tensor& K,
                                    const torch::Tensor& V, torch::Tensor* attn, int64_t attn_row0,
                                    SpanCapture* cap, bool need_output, bool direct_spans,
                                    LongAttnCapture* la) {
    const int64_t n = s1 - s0, G = lay.G, d = lay.d;
    const int64_t C = cap && cap->p ? cap->p->span : 0;
    std::vector<int64_t> spans; // span starts inside this block
    if (cap && cap->p)
        for (int64_t t : cap->starts)
            if (t >= s0 && t + C <= s1) spans.push_back(t);

    for (int64_t kv = 0; kv < lay.KV; ++kv) {
        // The last layer's spans always take a fresh softmax over every head of the group
        // at once, whether or not the layer's output is wanted too (LC gain's logits), so
        // that CDS is the same bit for bit with or without other scores.
        if (direct_spans)
            for (int64_t t : spans)
                direct_span_mass(Q, K, kv, t, C, cap->acc[cap->span_index(t)]);
        if (!need_output) continue; // only the LADM spans mattered
        // hs query heads of this KV group at a time: [hs*n, d] x [d, s1] -> logits over every
        // key up to the block's end (hs is chosen so they stay within the budget).
        for (int64_t g0 = 0; g0 < G; g0 += lay.hs) {
            const int64_t hs = lay.hs;
            auto q = Q[kv].narrow(0, g0, hs).narrow(1, s0, n).reshape({hs * n, d});
            auto logits = m_workspace.narrow(0, 0, hs * n * s1).view({hs * n, s1});
            torch::mm_out(logits, q, K[kv].narrow(0, 0, s1).t());
            auto lv = logits.view({hs, n, s1});
            lv.narrow(2, s0, n).add_(m_tri.narrow(0, 0, n).narrow(1, 0, n)); // causal mask
            // Row softmax in place (one fused kernel; rows are short enough to stay in cache).
            at::_softmax_out(logits, logits, 1, false);
            if (la && la->m > 0 && s1 > la->row0) {
                // rows r in [lo, s1), keys j in [0, r - row0]: a [rows, keys] lower triangle
                const int64_t lo = std::max(s0, la->row0), rows = s1 - lo;
                const int64_t keys = std::min(la->m, s1 - la->row0);
                auto p = lv.narrow(1, lo - s0, rows).narrow(2, 0, keys); // [hs, rows, keys]
                auto j = torch::arange(keys, m_tri.options().dtype(torch::kInt64));
                auto r = torch::arange(lo - la->row0, s1 - la->row0, j.options());
                auto pm = p * (j.unsqueeze(0) <= r.unsqueeze(1)).unsqueeze(0);
                auto s = pm.sum({1, 2}, false, torch::kFloat64).to(torch::kCPU);
                auto q = pm.mul_(pm).sum({1, 2}, false, torch::kFloat64).to(torch::kCPU);
                la->sum.narrow(0, kv * G + g0, hs).add_(s);
                la->sum_sq.narrow(0, kv * G + g0, hs).add_(q);
            }
            auto out = torch::mm(logits, V[kv].narrow(0, 0, s1)); // [hs*n, d]
            // attn: [rows, KV, G, d]
            attn->narrow(0, s0 - attn_row0, n)
                .select(1, kv)
                .narrow(1, g0, hs)
                .copy_(out.view({hs, n, d}).permute({1, 0, 2}));

            // LADM: the span softmax over keys [0, t) is the causal softmax row renormalised
            // over that prefix: P_t[r, j] = P[r, j] / sum_{j' < t} P[r, j']. Only the prefix
            // row sums are new work.
            for (int64_t t : direct_spans ? std::vector<int64_t>{} : spans) {
                torch::Tensor& acc = cap->acc[cap->span_index(t)];
                auto e = lv.narrow(1, t - s0, C).narrow(2, 0, t); // [hs, C, t], strided
                auto row_sum = e.sum(2);                          // [hs, C]
                if (row_sum.min().item<float>() < kMinReusedRowSum) {
                    direct_span_mass(Q, K, kv, t, C, acc, g0, hs);
                    continue;
                }
                auto w = row_sum.reciprocal().unsqueeze(1); // [hs, 1, C]
                for (int64_t g = 0; g < hs; ++g)
                    acc.unsqueeze(0).addmm_(w[g], e[g]); // [1, C] x [C, t]
            }
        }
    }
}

bool ForwardRunner::run(const std::vector<int32_t>& ids, const ForwardRequest& req,
                        ScoreResult* result, torch::Tensor* hidden) {
    const ModelConfig& c = m_cfg;
    Layout lay;
    lay.L = int64_t(ids.size());
    lay.H = c.num_heads;
    lay.KV = c.num_kv_heads;
    lay.G = lay.H / lay.KV;
    lay.d = c.head_dim;
    const int64_t L = lay.L, H = lay.H, KV = lay.KV, G = lay.G, d = lay.d;
    const int64_t C = req.params ? req.params->span : 128;

    // Block rows: as many as the logits budget allows (G*B*L floats), a multiple of C;
    // when even B = C is too much for a whole KV group, fewer heads go per step.
    int64_t B = m_opts.attention_budget_bytes / (G * std::max<int64_t>(L, 1) * 4);
    B = std::max<int64_t>(C, (B / C) * C);
    B = std::min<int64_t>(B, ((std::max<int64_t>(m_opts.row_chunk, C) + C - 1) / C) * C);
    lay.B = B;
    lay.hs = G; // the largest divisor of G whose logits fit the budget
    while (lay.hs > 1 && lay.hs * B * L * 4 > m_opts.attention_budget_bytes)
        for (--lay.hs; G % lay.hs; --lay.hs) {
        }
    lay.R = std::max<int64_t>(B, (m_opts.row_chunk + B - 1) / B * B);
    for (int64_t e = L; e > 0; e -= lay.R)
        lay.chunks.emplace_back(std::max<int64_t>(0, e - lay.R), e);
    std::reverse(lay.chunks.begin(), lay.chunks.end());

    const auto fopt = torch::TensorOptions().dtype(torch::kFloat32).device(m_dev);
    m_workspace = torch::empty({lay.hs * B * L}, fopt);
    m_tri = torch::full({B, B}, -std::numeric_limits<float>::infinity(), fopt).triu(1);

    auto ids_t = torch::from_blob(const_cast<int32_t*>(ids.data()), {L}, torch::kInt32)
                     .to(m_dev, torch::kInt64);
    torch::Tensor x = m_w.embed.index_select(0, ids_t); // [L, D] residual stream
    const RopeTables rope = rope_tables(c, L, m_dev);
    const double scale = 1.0 / std::sqrt(double(d));

    SpanCapture cap;
    std::vector<std::vector<double>> afs_per_layer;
    WindowGrid grid(L, int(C));
    if (req.params) {
        cap.p = req.params;
        cap.starts = query_span_starts(L, *req.params);
        result->span_starts = cap.starts;
        result->windows = grid.count();
        result->span_mass.assign(size_t(cap.starts.size() * grid.count()), 0.f);
    }

    auto Q = torch::empty({KV, G, L, d}, fopt);
    auto K = torch::empty({KV, L, d}, fopt);
    auto V = torch::empty({KV, L, d}, fopt);
    const int n_layers = int(m_w.layers.size());
    const int64_t Hd = H * d, KVd = KV * d;
    LongAttnCapture la;
    if (req.longattn) {
        la.m = 3 * (L / 4);
        la.row0 = L - la.m;
        la.sum = torch::zeros({H}, torch::kFloat64);
        la.sum_sq = torch::zeros({H}, torch::kFloat64);
    }
    // Only LongAttn asked for: the first layer is all it reads.
    const int run_layers = !req.params && !req.want_hidden && req.longattn ? 1 : n_layers;
    for (int li = 0; li < run_layers; ++li) {
        const LayerWeights& lw = m_w.layers[size_t(li)];
        const bool last = li == n_layers - 1;
        const bool longattn_layer = req.longattn && li == 0;
        const bool need_output = !last || req.want_hidden || longattn_layer;

        // Pass 1: q, k, v for every position, chunk by chunk. Q is kept pre-scaled by
        // 1/sqrt(d) in [KV, G, L, d] so a KV group's queries are one matrix.
        // (allocated once per sequence: fresh multi-MB buffers per layer cost page faults)
        for (auto [c0, c1] : lay.chunks) {
            const int64_t n = c1 - c0;
            auto h = rms_norm(x.narrow(0, c0, n), lw.ln_in, c.rms_norm_eps);
            auto qkv = linear(h, lw.w_qkv, lw.b_qkv); // [n, (H + 2 KV) d]
            auto q = apply_rope(qkv.narrow(1, 0, Hd).view({n, H, d}), rope, c0);
            auto k = apply_rope(qkv.narrow(1, Hd, KVd).view({n, KV, d}), rope, c0);
            auto v = qkv.narrow(1, Hd + KVd, KVd).view({n, KV, d});
            Q.narrow(2, c0, n).copy_(q.mul_(scale).view({n, KV, G, d}).permute({1, 2, 0, 3}));
            K.narrow(1, c0, n).copy_(k.permute({1, 0, 2}));
            V.narrow(1, c0, n).copy_(v.permute({1, 0, 2}));
        }

        if (req.params) {
            cap.acc.clear();
            for (int64_t t : cap.starts)
                cap.acc.push_back(torch::zeros({t}, fopt));
        }

        // Pass 2: attention block by block, then o_proj and the MLP on each chunk. The
        // residual stream is updated in place: K and V already hold this layer's inputs.
        for (auto [c0, c1] : lay.chunks) {
            const int64_t n = c1 - c0;
            torch::Tensor attn;
            if (need_output) attn = torch::empty({n, KV, G, d}, fopt);
            for (auto [s0, s1] : lay.blocks_of(c0, c1))
                attention_block(lay, s0, s1, Q, K, V, &attn, c0, req.params ? &cap : nullptr,
                                need_output, last, longattn_layer ? &la : nullptr);
            if (!need_output || (li + 1 == run_layers && !req.want_hidden)) continue;
            auto xs = x.narrow(0, c0, n);
            xs.add_(linear(attn.view({n, Hd}), lw.wo, lw.bo));
            auto h2 = rms_norm(xs, lw.ln_post, c.rms_norm_eps);
            auto gu = linear(h2, lw.w_gate_up, lw.b_gate_up); // [n, 2F]
            const int64_t F = c.intermediate_size;
            auto act = torch::silu(gu.narrow(1, 0, F)).mul_(gu.narrow(1, F, F));
            xs.add_(linear(act, lw.w_down, lw.b_down));
        }

        if (req.params) {
            // Per span: head mean, mass per C-window of the grid, PFS, AFS.
            std::vector<double> afs_l;
            std::vector<float> layer_mat;
            if (req.keep_layer_matrices) layer_mat.assign(result->span_mass.size(), 0.f);
            for (size_t si = 0; si < cap.starts.size(); ++si) {
                const int64_t t = cap.starts[si];
                auto a = (cap.acc[si] / double(H)).to(torch::kCPU, torch::kFloat64);
                const double* ap = a.data_ptr<double>();
                const int64_t n_before = grid.index_of(t); // cells entirely before t
                std::vector<double> mass(size_t(grid.count()), 0.0);
                for (int64_t w = 0; w < n_before; ++w) {
                    double s = 0;
                    for (int64_t j = grid.begin(w); j < grid.end(w); ++j)
                        s += ap[j];
                    mass[size_t(w)] = s;
                }
                afs_l.push_back(aggregated_focus(t, L, pairwise_focus(t, mass, grid, *req.params),
                                                 *req.params));
                float* row = result->span_mass.data() + si * size_t(grid.count());
                for (int64_t w = 0; w < n_before; ++w) {
                    row[w] += float(mass[size_t(w)] / n_layers);
                    if (req.keep_layer_matrices)
                        layer_mat[si * size_t(grid.count()) + size_t(w)] = float(mass[size_t(w)]);
                }
            }
            afs_per_layer.push_back(std::move(afs_l));
            if (req.keep_layer_matrices) result->layer_span_mass.push_back(std::move(layer_mat));
        }
        if (longattn_layer) {
            // The reference's torch .var() of the masked L x L matrix: unbiased, N = L^2.
            const double N = double(L) * double(L);
            auto s = la.sum.accessor<double, 1>(), q = la.sum_sq.accessor<double, 1>();
            double prop = 0, var = 0;
            for (int64_t h = 0; h < H; ++h) {
                prop += s[h] / double(L);
                var += N > 1 ? (q[h] - s[h] * s[h] / N) / (N - 1) : 0.0;
            }
            result->longattn_proportion = prop / double(H);
            result->longattn_uniformity = var / double(H);
        }
        if (req.progress && !req.progress(li + 1, run_layers)) return false;
    }

    if (req.params) {
        const size_t ns = cap.starts.size();
        result->afs.assign(ns, 0.0);
        result->cds_per_layer.clear();
        double cds = 0;
        for (const auto& afs_l : afs_per_layer) {
            double m = 0;
            for (size_t i = 0; i < ns; ++i) {
                m += afs_l[i];
                result->afs[i] += afs_l[i] / double(afs_per_layer.size());
            }
            m /= double(ns);
            result->cds_per_layer.push_back(m);
            cds += m;
        }
        result->cds = cds / double(afs_per_layer.size());
    }
    if (req.want_hidden && hidden) *hidden = rms_norm(x, m_w.norm, c.rms_norm_eps);
    return true;
}

namespace {
double layer_linear_flops(const ModelConfig& c, int64_t L) {
    const double D = double(c.hidden_size), Hd = double(c.num_heads * c.head_dim),
                 KVd = double(c.num_kv_heads * c.head_dim), F = double(c.intermediate_size);
    return 2.0 * double(L) * (D * (Hd + 2 * KVd) + Hd * D + 3 * D * F);
}
double causal_attention_flops(const ModelConfig& c, int64_t L) {
    // QK^T and PV over the causal half: 2 * (2 * H * d * L^2 / 2)
    return 2.0 * double(c.num_heads) * double(c.head_dim) * double(L) * double(L);
}
} // namespace

double full_forward_flops(const ModelConfig& c, int64_t L) {
    return double(c.num_layers) * (layer_linear_flops(c, L) + causal_attention_flops(c, L));
}

double scoring_flops(const ModelConfig& c, int64_t L, const LadmParams& p) {
    double f = double(c.num_layers - 1) * (layer_linear_flops(c, L) + causal_attention_flops(c, L));
    const double D = double(c.hidden_size), Hd = double(c.num_heads * c.head_dim),
                 KVd = double(c.num_kv_heads * c.head_dim);
    f += 2.0 * double(L) * D * (Hd + 2 * KVd); // last layer: q, k, v projections
    for (int64_t t : query_span_starts(L, p))  // last layer: span logits only
        f += 2.0 * double(c.num_heads) * double(p.span) * double(t) * double(c.head_dim);
    return f;
}

} // namespace ladm
