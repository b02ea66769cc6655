#include "train/detail/calculator_net.h"

#include "train/calculator_curriculum.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ladm {

torch::Tensor far_ce_of(const torch::Tensor& scores, const torch::Tensor& targets,
                        const torch::Tensor& log_weights) {
    return torch::logsumexp(scores + log_weights, -1) - (targets * scores).sum(-1);
}

CalculatorNet::CalculatorNet(const TrainOptions& opt, int64_t vocab,
                             const std::vector<double>& neg_log_freq)
    : o(opt)
    , V(vocab)
    , D(opt.hidden)
    , H(opt.heads)
    , KV(opt.kv_heads)
    , d(opt.hidden / opt.heads)
    , F(opt.intermediate) {
    auto add = [&](const std::string& name, std::vector<int64_t> shape, double stdv) {
        auto t = stdv > 0 ? torch::randn(shape) * stdv : torch::ones(shape);
        t.set_requires_grad(true);
        params.emplace_back(name, t);
        p[name] = t;
    };
    add("model.embed_tokens.weight", {V, D}, 0.02);
    const double out_std = 0.02 / std::sqrt(2.0 * o.layers);
    for (int l = 0; l < o.layers; ++l) {
        const std::string pre = "model.layers." + std::to_string(l) + ".";
        add(pre + "input_layernorm.weight", {D}, 0);
        add(pre + "self_attn.q_proj.weight", {H * d, D}, 0.02);
        add(pre + "self_attn.k_proj.weight", {KV * d, D}, 0.02);
        add(pre + "self_attn.v_proj.weight", {KV * d, D}, 0.02);
        add(pre + "self_attn.o_proj.weight", {D, H * d}, out_std);
        add(pre + "post_attention_layernorm.weight", {D}, 0);
        add(pre + "mlp.gate_proj.weight", {F, D}, 0.02);
        add(pre + "mlp.up_proj.weight", {F, D}, 0.02);
        add(pre + "mlp.down_proj.weight", {D, F}, out_std);
    }
    add("model.norm.weight", {D}, 0);
    // transformers' inverse frequencies, fp32
    inv_freq =
        1.0 / torch::pow(o.rope_theta,
                         torch::arange(0, d, 2, torch::kInt64).to(torch::kFloat32) / double(d));
    if (o.match_init > 0) init_matchers(neg_log_freq);
}

void CalculatorNet::init_matchers(const std::vector<double>& neg_log_freq) {
    torch::NoGradGuard ng;
    const int64_t U = o.rarity_init ? D / 2 : D; // input dimensions the matching map reads
    if (o.rarity_init) {
        auto nlf = torch::tensor(neg_log_freq, torch::kFloat64).to(torch::kFloat32);
        auto share = (nlf / nlf.max()).clamp(0.02, 1.0).unsqueeze(1); // [V, 1]
        auto& emb = p["model.embed_tokens.weight"];
        emb.slice(1, 0, U).mul_((2 * share).sqrt());
        emb.slice(1, U).mul_((2 * (1 - share)).sqrt());
    }
    std::vector<int64_t> dims;
    for (int64_t i = 0; i < d / 2; ++i)
        if (inv_freq[i].item<float>() * float(o.max_positions) < float(M_PI / 2))
            dims.push_back(i), dims.push_back(i + d / 2);
    const int64_t G = H / KV;
    for (int l = 0; l < o.layers; ++l) {
        const std::string pre = "model.layers." + std::to_string(l) + ".";
        auto& wq = p[pre + "self_attn.q_proj.weight"];
        auto& wk = p[pre + "self_attn.k_proj.weight"];
        for (int64_t g = 0; g < KV; ++g) {
            auto m = torch::zeros({int64_t(dims.size()), D});
            m.slice(1, 0, U).copy_(torch::randn({int64_t(dims.size()), U}) *
                                   (o.match_init / std::sqrt(double(D))));
            for (size_t n = 0; n < dims.size(); ++n) {
                wk[g * d + dims[n]].copy_(m[int64_t(n)]);
                for (int64_t h = g * G; h < (g + 1) * G; ++h)
                    wq[h * d + dims[n]].copy_(m[int64_t(n)]);
            }
        }
    }
}

std::vector<torch::Tensor> CalculatorNet::tensors() const {
    std::vector<torch::Tensor> v;
    for (const auto& [_, t] : params)
        v.push_back(t);
    return v;
}

torch::Tensor CalculatorNet::rms(const torch::Tensor& x, const torch::Tensor& w) {
    return w * (x * torch::rsqrt(x.pow(2).mean(-1, true) + 1e-5));
}

const torch::Tensor& CalculatorNet::far_mask(int64_t T) {
    if (!m_far_mask.defined() || m_far_mask.size(0) != T)
        m_far_mask =
            torch::ones({T, T}).tril(-kLocal - 1).index_put_({torch::indexing::Slice(), 0}, 1.0);
    return m_far_mask;
}

torch::Tensor CalculatorNet::hidden(const torch::Tensor& ids, const torch::Tensor& pos) {
    far_ce.clear();
    far_log_weights = torch::Tensor();
    const int64_t B = ids.size(0), T = ids.size(1), G = H / KV;
    auto x = p["model.embed_tokens.weight"].index_select(0, ids.reshape(-1)).view({B, T, D});
    auto freqs = pos.to(torch::kFloat32).unsqueeze(-1) * inv_freq; // [B, T, d/2]
    auto emb = torch::cat({freqs, freqs}, -1);
    auto cos = emb.cos().unsqueeze(2), sin = emb.sin().unsqueeze(2); // [B, T, 1, d]
    auto rope = [&](const torch::Tensor& t) {
        auto t1 = t.narrow(-1, 0, d / 2), t2 = t.narrow(-1, d / 2, d / 2);
        return t * cos + torch::cat({-t2, t1}, -1) * sin;
    };
    auto mask = torch::full({T, T}, -std::numeric_limits<float>::infinity()).triu(1);
    for (int l = 0; l < o.layers; ++l) {
        const std::string pre = "model.layers." + std::to_string(l) + ".";
        auto h = rms(x, p[pre + "input_layernorm.weight"]);
        auto q = rope(torch::matmul(h, p[pre + "self_attn.q_proj.weight"].t()).view({B, T, H, d}));
        auto k = rope(torch::matmul(h, p[pre + "self_attn.k_proj.weight"].t()).view({B, T, KV, d}));
        auto v = torch::matmul(h, p[pre + "self_attn.v_proj.weight"].t()).view({B, T, KV, d});
        q = q.transpose(1, 2);                         // [B, H, T, d]
        k = k.transpose(1, 2).repeat_interleave(G, 1); // [B, H, T, d]
        v = v.transpose(1, 2).repeat_interleave(G, 1);
        auto scores = torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(double(d));
        auto probs = torch::softmax(scores + mask, -1);
        if (targets) {
            // Attention on far keys that are not targets counts context_factor times,
            // as in a context that much longer, where there would be that many more of
            // them: attention must stay sharp at the lengths LADM reads. Sequences
            // longer than seq_len (the long phase) already hold more of them.
            if (!far_log_weights.defined()) {
                const double factor =
                    std::max(1.0, o.context_factor * double(o.seq_len) / double(T));
                auto distractors = (*targets == 0).to(torch::kFloat32).unsqueeze(1) * far_mask(T);
                far_log_weights = torch::log(far_mask(T) + (factor - 1) * distractors);
            }
            // Cross-entropy of the targets against the attention renormalised over the
            // far keys and BOS, from the scores (log-sum-exp): a head that keeps nearly
            // all its attention local still has its far distribution — what LADM's span
            // softmax amplifies — supervised, where a ratio of probabilities would
            // underflow and pass no gradient.
            auto ce = far_ce_of(scores, targets->unsqueeze(1), far_log_weights); // [B, H, T]
            far_ce.push_back(ce.mean());
        }
        auto out = torch::matmul(probs, v).transpose(1, 2).reshape({B, T, H * d});
        x = x + torch::matmul(out, p[pre + "self_attn.o_proj.weight"].t());
        auto h2 = rms(x, p[pre + "post_attention_layernorm.weight"]);
        auto g = torch::matmul(h2, p[pre + "mlp.gate_proj.weight"].t());
        auto u = torch::matmul(h2, p[pre + "mlp.up_proj.weight"].t());
        x = x + torch::matmul(torch::silu(g) * u, p[pre + "mlp.down_proj.weight"].t());
    }
    return rms(x, p["model.norm.weight"]);
}

torch::Tensor CalculatorNet::retrieval_loss() const {
    torch::Tensor total = torch::zeros({});
    for (const auto& c : far_ce)
        total = total + c;
    return total / double(std::max<size_t>(1, far_ce.size()));
}

torch::Tensor CalculatorNet::loss(const torch::Tensor& ids, const torch::Tensor& pos) {
    auto hs = hidden(ids, pos);
    auto logits = torch::matmul(hs, p["model.embed_tokens.weight"].t()); // tied
    const int64_t T = ids.size(1);
    return torch::nn::functional::cross_entropy(logits.narrow(1, 0, T - 1).reshape({-1, V}),
                                                ids.narrow(1, 1, T - 1).reshape(-1));
}

double far_attention_ce(const std::vector<float>& scores, const std::vector<float>& target,
                        const std::vector<float>& weight, std::vector<float>* grad) {
    const auto n = int64_t(scores.size());
    auto s = torch::tensor(scores).requires_grad_(true);
    auto ce = far_ce_of(s, torch::tensor(target), torch::log(torch::tensor(weight)).view({n}));
    ce.backward();
    if (grad) {
        auto g = s.grad().contiguous();
        grad->assign(g.data_ptr<float>(), g.data_ptr<float>() + n);
    }
    return ce.item<double>();
}

} // namespace ladm
