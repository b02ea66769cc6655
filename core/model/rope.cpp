#include "core/model/rope.h"

#include <cmath>

namespace ladm {

torch::Tensor rope_inv_freq(const ModelConfig& c, int64_t seq_len) {
    const int64_t dim = c.head_dim;
    // arange(0, dim, 2).float() / dim, all in fp32 like transformers
    auto exponents = torch::arange(0, dim, 2, torch::kInt64).to(torch::kFloat32) / double(dim);
    double base = c.rope_theta;
    if (c.rope_scaling == RopeScaling::Dynamic && seq_len > c.max_position_embeddings) {
        const double factor = c.rope_factor;
        base = base * std::pow(factor * double(seq_len) / double(c.max_position_embeddings) -
                                   (factor - 1.0),
                               double(dim) / double(dim - 2));
    }
    auto inv_freq = 1.0 / torch::pow(base, exponents);
    if (c.rope_scaling == RopeScaling::Linear) {
        inv_freq = inv_freq / c.rope_factor;
    } else if (c.rope_scaling == RopeScaling::Llama3) {
        const double factor = c.rope_factor, lo = c.rope_low_freq_factor,
                     hi = c.rope_high_freq_factor;
        const double old_len = double(c.rope_original_max_position);
        const double low_freq_wavelen = old_len / lo, high_freq_wavelen = old_len / hi;
        auto wavelen = 2 * M_PI / inv_freq;
        auto scaled = torch::where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq);
        auto smooth = (old_len / wavelen - lo) / (hi - lo);
        auto smoothed = (1 - smooth) * scaled / factor + smooth * scaled;
        auto medium = (wavelen >= high_freq_wavelen).logical_and(wavelen <= low_freq_wavelen);
        inv_freq = torch::where(medium, smoothed, scaled);
    }
    return inv_freq.to(torch::kFloat32);
}

RopeTables rope_tables(const ModelConfig& c, int64_t seq_len, const torch::Device& device) {
    auto inv_freq = rope_inv_freq(c, seq_len);                            // [d/2]
    auto pos = torch::arange(seq_len, torch::kInt64).to(torch::kFloat32); // [L]
    auto freqs = torch::outer(pos, inv_freq);                             // [L, d/2]
    auto emb = torch::cat({freqs, freqs}, -1);                            // [L, d]
    return {emb.cos().to(device), emb.sin().to(device)};
}

torch::Tensor apply_rope(const torch::Tensor& x, const RopeTables& t, int64_t row0) {
    const int64_t rows = x.size(0), half = x.size(2) / 2;
    auto cos = t.cos.narrow(0, row0, rows).unsqueeze(1); // [rows, 1, d]
    auto sin = t.sin.narrow(0, row0, rows).unsqueeze(1);
    auto x1 = x.narrow(2, 0, half), x2 = x.narrow(2, half, half);
    auto rotated = torch::cat({-x2, x1}, 2); // rotate_half
    return x * cos + rotated * sin;
}

} // namespace ladm
