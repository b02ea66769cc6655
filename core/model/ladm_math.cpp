#include "core/model/ladm_math.h"
#include "core/model/score_types.h"

#include <cmath>

namespace ladm {

std::string validate(const LadmParams& p) {
    if (p.span < 1) return "span (C) must be at least 1, got " + std::to_string(p.span);
    if (p.d_afs < 1) return "d_afs must be at least 1, got " + std::to_string(p.d_afs);
    if (p.d_cds < 1) return "d_cds must be at least 1, got " + std::to_string(p.d_cds);
    if (p.max_len < 1) return "max_len must be at least 1, got " + std::to_string(p.max_len);
    return {};
}

std::string validate(const LcGainParams& p) {
    if (p.window < 1) return "LC gain window must be at least 1, got " + std::to_string(p.window);
    if (p.stride < 1) return "LC gain stride must be at least 1, got " + std::to_string(p.stride);
    if (!std::isfinite(p.alpha)) return "LC gain alpha must be a finite number";
    if (!std::isfinite(p.beta)) return "LC gain beta must be a finite number";
    return {};
}

std::optional<Ablation> parse_ablation(const std::string& s) {
    if (s == "none" || s.empty()) return Ablation::None;
    if (s == "no_std") return Ablation::NoStd;
    if (s == "no_len_weight") return Ablation::NoLenWeight;
    return std::nullopt;
}

const char* ablation_name(Ablation a) {
    switch (a) {
    case Ablation::NoStd:
        return "no_std";
    case Ablation::NoLenWeight:
        return "no_len_weight";
    default:
        return "none";
    }
}

std::vector<int64_t> query_span_starts(int64_t L, const LadmParams& p) {
    std::vector<int64_t> starts;
    const int64_t bound = p.sink() + 4 * p.interval();
    for (int64_t t = L - p.span; t > bound; t -= p.stride())
        starts.push_back(t);
    return starts;
}

WindowGrid::WindowGrid(int64_t L, int span)
    : m_length(L)
    , m_span(span)
    , m_head(L % span)
    , m_count(L / span + (L % span ? 1 : 0)) {}

int64_t WindowGrid::begin(int64_t w) const {
    if (m_head == 0) return w * m_span;
    return w == 0 ? 0 : m_head + (w - 1) * m_span;
}

int64_t WindowGrid::end(int64_t w) const {
    if (m_head == 0) return (w + 1) * m_span;
    return m_head + w * m_span;
}

int64_t WindowGrid::index_of(int64_t pos) const {
    if (m_head == 0) return pos / m_span;
    return pos < m_head ? 0 : 1 + (pos - m_head) / m_span;
}

std::vector<double> pairwise_focus(int64_t t, const std::vector<double>& mass,
                                   const WindowGrid& grid, const LadmParams& p) {
    std::vector<double> pfs;
    for (int64_t k = 1; t - k * p.interval() >= p.sink(); ++k) {
        const int64_t w = grid.index_of(t - k * p.interval());
        pfs.push_back(mass.at(size_t(w)));
    }
    return pfs;
}

double sample_std(const std::vector<double>& v) {
    const size_t n = v.size();
    if (n < 2) return 0.0;
    double mean = 0;
    for (double x : v)
        mean += x;
    mean /= double(n);
    double ss = 0;
    for (double x : v)
        ss += (x - mean) * (x - mean);
    return std::sqrt(ss / double(n - 1));
}

double aggregated_focus(int64_t t, int64_t L, const std::vector<double>& pfs, const LadmParams& p) {
    const bool len_weight = p.ablation != Ablation::NoLenWeight;
    double weighted = 0;
    for (size_t i = 0; i < pfs.size(); ++i) {
        const double delta = double(int64_t(i + 1) * p.interval());
        weighted += pfs[i] * (len_weight ? delta / double(L) : 1.0);
    }
    double afs = weighted;
    if (len_weight) afs *= double(t) / double(L);
    if (p.ablation != Ablation::NoStd) afs *= sample_std(pfs);
    return afs;
}

} // namespace ladm
