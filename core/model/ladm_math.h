// LADM score arithmetic that does not need a model: where the query spans are,
// and how a span's attention mass on earlier C-windows becomes PFS, AFS and CDS.
// Specification: shared/docs/ladm-algorithm.md (the authors' released code).
//
//   ladm::LadmParams p;                         // C = 128, d_afs = d_cds = 4
//   auto starts = ladm::query_span_starts(L, p); // empty => too short
//   ladm::WindowGrid g(L, p.span);              // C-windows anchored at L
//   double afs = ladm::aggregated_focus(t, L, masses_before_t, g, p);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ladm {

enum class Ablation { None, NoStd, NoLenWeight };

struct LadmParams {
    int span = 128;      // C
    int d_afs = 4;       // interval I = C * d_afs
    int d_cds = 4;       // stride   S = C * d_cds
    int max_len = 32768; // samples are truncated to their first max_len tokens
    Ablation ablation = Ablation::None;

    int64_t interval() const { return int64_t(span) * d_afs; }
    int64_t stride() const { return int64_t(span) * d_cds; }
    int64_t sink() const { return span; } // K0: the first C tokens are never a target
};

// Whether the window starting at `begin` counts as a distant dependency of the query span
// starting at t, in the views that list them (app, ladm show): at least two spans back
// (not the adjacent window), and not within the first C tokens (K0: the BOS attention
// sink, which LADM never scores).
inline bool distant_window(int64_t begin, int64_t t, int span) {
    return begin >= span && t - begin >= 2 * int64_t(span);
}

// Returns an error message when the parameters cannot be used, empty otherwise.
std::string validate(const LadmParams& p);

std::optional<Ablation> parse_ablation(const std::string& s);
const char* ablation_name(Ablation a);

// Query-span starts t = L-C, L-C-S, ... while t > K0 + 4*I, in that (descending) order.
// Empty when the sample is too short to score (L <= C + K0 + 4*I).
std::vector<int64_t> query_span_starts(int64_t L, const LadmParams& p);

// The grid of C-token windows anchored at the end of the sequence: window w covers
// [begin(w), end(w)); window 0 is the partial head [0, L mod C) when L is not a multiple
// of C. Every query span and every PFS window is exactly one cell of this grid.
struct WindowGrid {
    WindowGrid(int64_t L, int span);
    int64_t count() const { return m_count; }
    int64_t begin(int64_t w) const;
    int64_t end(int64_t w) const;
    int64_t index_of(int64_t pos) const; // cell that holds token position pos
    int64_t length() const { return m_length; }
    int span() const { return m_span; }

  private:
    int64_t m_length;
    int m_span;
    int64_t m_head; // size of the partial first window (0 when L % C == 0)
    int64_t m_count;
};

// PFS_k = mass on [t - k*I, t - k*I + C) for k = 1.. while t - k*I >= K0.
// `mass` holds the span's attention mass per window, indexed by grid cell (only cells
// before t are read).
std::vector<double> pairwise_focus(int64_t t, const std::vector<double>& mass,
                                   const WindowGrid& grid, const LadmParams& p);

// AFS(t) = sigma(PFS) * (t/L) * sum_k PFS_k * (k*I / L), with the ablations applied.
double aggregated_focus(int64_t t, int64_t L, const std::vector<double>& pfs, const LadmParams& p);

// Sample standard deviation with Bessel's correction (n-1); 0 for n < 2.
double sample_std(const std::vector<double>& v);

} // namespace ladm
