#include "core/model/lc_gain.h"

#include <algorithm>

namespace ladm {

torch::Tensor target_logprobs(const torch::Tensor& hidden, const torch::Tensor& head,
                              const std::vector<int32_t>& ids, int64_t r0, int64_t r1,
                              int64_t budget_bytes) {
    const int64_t V = head.size(0);
    const int64_t rows = std::max<int64_t>(1, budget_bytes / (V * 4));
    auto out = torch::empty({r1 - r0}, torch::kFloat32);
    std::vector<int64_t> next(ids.begin() + r0 + 1, ids.begin() + r1 + 1);
    auto targets = torch::tensor(next, torch::kInt64).to(hidden.device());
    for (int64_t a = r0; a < r1; a += rows) {
        const int64_t n = std::min(rows, r1 - a);
        auto logits = torch::mm(hidden.narrow(0, a, n), head.t()); // [n, V]
        auto lse = torch::logsumexp(logits, 1);
        auto picked = logits.gather(1, targets.narrow(0, a - r0, n).unsqueeze(1)).squeeze(1);
        out.narrow(0, a - r0, n).copy_((picked - lse).to(torch::kCPU));
    }
    return out;
}

bool lc_gain(ForwardRunner& runner, const torch::Tensor& head, const std::vector<int32_t>& ids,
             const torch::Tensor& full_hidden, const LcGainParams& p, int64_t budget_bytes,
             const std::function<bool(int, int)>& progress, ScoreResult* result) {
    const int64_t L = int64_t(ids.size()), W = p.window;
    // The long side: every token from position W on, with its whole prefix.
    const auto full = target_logprobs(full_hidden, head, ids, W - 1, L - 1, budget_bytes);
    const float* lf = full.data_ptr<float>();
    double gain_sum = 0;
    int64_t keys = 0;
    // The short side, as find_key_token loops: windows [start, start + W + stride) for start
    // in range(0, L - W, stride), the last one cut at L; each scores the tokens after its
    // first W, with only the window before them as context (positions restart at 0).
    for (int64_t start = 0; start < L - W; start += p.stride) {
        const int64_t end = std::min(L, start + W + p.stride);
        const std::vector<int32_t> win(ids.begin() + start, ids.begin() + end);
        ForwardRequest req;
        req.want_hidden = true;
        req.progress = progress;
        ScoreResult unused;
        torch::Tensor h;
        if (!runner.run(win, req, &unused, &h)) return false;
        const auto shrt = target_logprobs(h, head, win, W - 1, end - start - 1, budget_bytes);
        const float* ls = shrt.data_ptr<float>();
        for (int64_t i = 0; i < end - start - W; ++i) {
            const double long_lp = lf[start + i], short_lp = ls[i];
            const double gain = long_lp - short_lp; // loss_short - loss_full
            gain_sum += gain;
            if (gain > p.alpha && -long_lp < -p.beta) ++keys;
        }
    }
    result->lcgain_tokens = L - W;
    result->lcgain = gain_sum / double(L - W);
    result->lcgain_key_fraction = double(keys) / double(L - W);
    return true;
}

} // namespace ladm
