// LADM arithmetic without a model: query-span placement, the window grid, and a
// hand-worked PFS / AFS example.
#include "core/model/ladm_math.h"

#include "tests/support/check.h"

#include <cmath>
#include <utility>

using namespace ladm;

TEST_CASE(spanStarts) {
    struct Row {
        const char* tag;
        int64_t L;
        int count;
        int64_t first, last;
    };
    // Defaults: C = 128, I = S = 512, K0 = 128, bound t > 2176.
    const Row rows[] = {{"32K", 32768, 60, 32640, 2432},
                        {"2304 too short", 2304, 0, -1, -1},
                        {"2305 one span", 2305, 1, 2177, 2177},
                        {"2816: t=2688, 2176 excluded", 2816, 1, 2688, 2688},
                        {"2817", 2817, 2, 2689, 2177}};
    for (const auto& r : rows) {
        auto s = query_span_starts(r.L, LadmParams{});
        CHECK_MSG(int(s.size()) == r.count, r.tag);
        if (r.count) {
            CHECK_MSG(s.front() == r.first, r.tag);
            CHECK_MSG(s.back() == r.last, r.tag);
            for (size_t i = 1; i < s.size(); ++i)
                CHECK_EQ(s[i - 1] - s[i], int64_t(512));
        }
    }
}

TEST_CASE(gridCellsAreSpansAndWindows) {
    // Every query span and every PFS window must be exactly one cell of the grid
    // anchored at L, for lengths with and without a partial head cell.
    for (int64_t L : {14, 15, 16, 17, 40, 41}) {
        LadmParams p;
        p.span = 2;
        p.d_afs = 1;
        p.d_cds = 1;
        WindowGrid g(L, p.span);
        int64_t covered = 0;
        for (int64_t w = 0; w < g.count(); ++w) {
            CHECK_EQ(g.begin(w), covered);
            CHECK(g.end(w) > g.begin(w));
            covered = g.end(w);
            for (int64_t j = g.begin(w); j < g.end(w); ++j)
                CHECK_EQ(g.index_of(j), w);
        }
        CHECK_EQ(covered, L);
        for (int64_t t : query_span_starts(L, p)) {
            const int64_t w = g.index_of(t);
            CHECK_EQ(g.begin(w), t);
            CHECK_EQ(g.end(w), t + p.span);
            for (int64_t k = 1; t - k * p.interval() >= p.sink(); ++k) {
                const int64_t ww = g.index_of(t - k * p.interval());
                CHECK_EQ(g.begin(ww), t - k * p.interval());
                CHECK_EQ(g.end(ww), t - k * p.interval() + p.span);
            }
        }
    }
}

TEST_CASE(handWorkedAfs) {
    // C = 2, d_afs = d_cds = 1: I = S = 2, K0 = 2, bound t > 10. L = 14 -> one span, t = 12.
    // Mass on the 7 cells [0,2) .. [12,14) before t: 0.2 0.1 0.3 0.4 0.2 0.8 (sums to C = 2).
    // PFS_k = cell of [12-2k, 14-2k), k = 1..5 (12 - 2k >= 2): 0.8 0.2 0.4 0.3 0.1.
    // mean 0.36; squared deviations 0.1936 0.0256 0.0016 0.0036 0.0676 = 0.292;
    // sigma = sqrt(0.292 / 4) = sqrt(0.073).
    // sum_k PFS_k * (2k / 14) = (0.8 + 0.4 + 1.2 + 1.2 + 0.5) / 7 = 4.1 / 7; t/L = 6/7.
    // AFS = sqrt(0.073) * 6/7 * 4.1/7 = sqrt(0.073) * 24.6 / 49 = 0.135643959...
    const std::pair<Ablation, double> rows[] = {
        {Ablation::None, 0.13564395906865914},
        {Ablation::NoStd, 24.6 / 49.0},                // 0.50204...
        {Ablation::NoLenWeight, 0.48633321909982663}}; // sigma*1.8
    for (const auto& [ablation, expected] : rows) {
        LadmParams p;
        p.span = 2;
        p.d_afs = 1;
        p.d_cds = 1;
        p.ablation = ablation;
        const int64_t L = 14;
        auto starts = query_span_starts(L, p);
        CHECK_EQ(starts.size(), size_t(1));
        CHECK_EQ(starts[0], int64_t(12));
        WindowGrid g(L, p.span);
        std::vector<double> mass = {0.2, 0.1, 0.3, 0.4, 0.2, 0.8, 0.0};
        auto pfs = pairwise_focus(12, mass, g, p);
        const std::vector<double> want = {0.8, 0.2, 0.4, 0.3, 0.1};
        CHECK_EQ(pfs.size(), want.size());
        for (size_t i = 0; i < want.size(); ++i)
            CHECK_EQ(pfs[i], want[i]);
        CHECK_MSG(std::abs(aggregated_focus(12, L, pfs, p) - expected) < 1e-12,
                  ablation_name(ablation));
    }
}

TEST_CASE(besselStd) {
    CHECK_EQ(sample_std({1.0}), 0.0);
    CHECK(std::abs(sample_std({1.0, 3.0}) - std::sqrt(2.0)) < 1e-15); // n-1, not n
}

TEST_CASE(ablationNames) {
    for (auto a : {Ablation::None, Ablation::NoStd, Ablation::NoLenWeight})
        CHECK_EQ(*parse_ablation(ablation_name(a)), a);
    CHECK(!parse_ablation("nostd"));
}

TEST_CASE(distantWindows) {
    // C = 128, query span at 1024: windows from 128 (K0) to 768 (two spans back)
    CHECK(!distant_window(0, 1024, 128));   // the BOS sink window
    CHECK(!distant_window(127, 1024, 128)); // a partial window reaching into K0
    CHECK(distant_window(128, 1024, 128));
    CHECK(distant_window(768, 1024, 128));
    CHECK(!distant_window(769, 1024, 128)); // the adjacent window
    CHECK(!distant_window(1024, 1024, 128));
}

CHECK_MAIN()
