// LADM arithmetic without a model: query-span placement, the window grid, and a
// hand-worked PFS / AFS example.
#include "core/ladm_math.h"

#include <QtTest>

using namespace ladm;

class TestLadmMath : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void spanStarts_data();
    void spanStarts();
    void gridCellsAreSpansAndWindows();
    void handWorkedAfs_data();
    void handWorkedAfs();
    void besselStd();
    void ablationNames();
    void distantWindows();
};

void TestLadmMath::spanStarts_data() {
    QTest::addColumn<qint64>("L");
    QTest::addColumn<int>("count");
    QTest::addColumn<qint64>("first");
    QTest::addColumn<qint64>("last");
    // Defaults: C = 128, I = S = 512, K0 = 128, bound t > 2176.
    QTest::newRow("32K") << qint64(32768) << 60 << qint64(32640) << qint64(2432);
    QTest::newRow("2304 too short") << qint64(2304) << 0 << qint64(-1) << qint64(-1);
    QTest::newRow("2305 one span") << qint64(2305) << 1 << qint64(2177) << qint64(2177);
    QTest::newRow("2816: t=2688, 2176 excluded")
        << qint64(2816) << 1 << qint64(2688) << qint64(2688);
    QTest::newRow("2817") << qint64(2817) << 2 << qint64(2689) << qint64(2177);
}

void TestLadmMath::spanStarts() {
    QFETCH(qint64, L);
    QFETCH(int, count);
    QFETCH(qint64, first);
    QFETCH(qint64, last);
    auto s = query_span_starts(L, LadmParams{});
    QCOMPARE(int(s.size()), count);
    if (count) {
        QCOMPARE(s.front(), first);
        QCOMPARE(s.back(), last);
        for (size_t i = 1; i < s.size(); ++i)
            QCOMPARE(s[i - 1] - s[i], qint64(512));
    }
}

void TestLadmMath::gridCellsAreSpansAndWindows() {
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
            QCOMPARE(g.begin(w), covered);
            QVERIFY(g.end(w) > g.begin(w));
            covered = g.end(w);
            for (int64_t j = g.begin(w); j < g.end(w); ++j)
                QCOMPARE(g.index_of(j), w);
        }
        QCOMPARE(covered, L);
        for (int64_t t : query_span_starts(L, p)) {
            const int64_t w = g.index_of(t);
            QCOMPARE(g.begin(w), t);
            QCOMPARE(g.end(w), t + p.span);
            for (int64_t k = 1; t - k * p.interval() >= p.sink(); ++k) {
                const int64_t ww = g.index_of(t - k * p.interval());
                QCOMPARE(g.begin(ww), t - k * p.interval());
                QCOMPARE(g.end(ww), t - k * p.interval() + p.span);
            }
        }
    }
}

void TestLadmMath::handWorkedAfs_data() {
    QTest::addColumn<int>("ablation");
    QTest::addColumn<double>("expected");
    // C = 2, d_afs = d_cds = 1: I = S = 2, K0 = 2, bound t > 10. L = 14 -> one span, t = 12.
    // Mass on the 7 cells [0,2) .. [12,14) before t: 0.2 0.1 0.3 0.4 0.2 0.8 (sums to C = 2).
    // PFS_k = cell of [12-2k, 14-2k), k = 1..5 (12 - 2k >= 2): 0.8 0.2 0.4 0.3 0.1.
    // mean 0.36; squared deviations 0.1936 0.0256 0.0016 0.0036 0.0676 = 0.292;
    // sigma = sqrt(0.292 / 4) = sqrt(0.073).
    // sum_k PFS_k * (2k / 14) = (0.8 + 0.4 + 1.2 + 1.2 + 0.5) / 7 = 4.1 / 7; t/L = 6/7.
    // AFS = sqrt(0.073) * 6/7 * 4.1/7 = sqrt(0.073) * 24.6 / 49 = 0.135643959...
    QTest::newRow("full") << int(Ablation::None) << 0.13564395906865914;
    QTest::newRow("no_std") << int(Ablation::NoStd) << 24.6 / 49.0; // 0.50204...
    QTest::newRow("no_len_weight")
        << int(Ablation::NoLenWeight) << 0.48633321909982663; // sigma*1.8
}

void TestLadmMath::handWorkedAfs() {
    QFETCH(int, ablation);
    QFETCH(double, expected);
    LadmParams p;
    p.span = 2;
    p.d_afs = 1;
    p.d_cds = 1;
    p.ablation = Ablation(ablation);
    const int64_t L = 14;
    auto starts = query_span_starts(L, p);
    QCOMPARE(starts.size(), size_t(1));
    QCOMPARE(starts[0], int64_t(12));
    WindowGrid g(L, p.span);
    std::vector<double> mass = {0.2, 0.1, 0.3, 0.4, 0.2, 0.8, 0.0};
    auto pfs = pairwise_focus(12, mass, g, p);
    const std::vector<double> want = {0.8, 0.2, 0.4, 0.3, 0.1};
    QCOMPARE(pfs.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i)
        QCOMPARE(pfs[i], want[i]);
    QVERIFY(std::abs(aggregated_focus(12, L, pfs, p) - expected) < 1e-12);
}

void TestLadmMath::besselStd() {
    QCOMPARE(sample_std({1.0}), 0.0);
    QVERIFY(std::abs(sample_std({1.0, 3.0}) - std::sqrt(2.0)) < 1e-15); // n-1, not n
}

void TestLadmMath::ablationNames() {
    for (auto a : {Ablation::None, Ablation::NoStd, Ablation::NoLenWeight})
        QCOMPARE(*parse_ablation(ablation_name(a)), a);
    QVERIFY(!parse_ablation("nostd"));
}

void TestLadmMath::distantWindows() {
    // C = 128, query span at 1024: windows from 128 (K0) to 768 (two spans back)
    QVERIFY(!distant_window(0, 1024, 128));   // the BOS sink window
    QVERIFY(!distant_window(127, 1024, 128)); // a partial window reaching into K0
    QVERIFY(distant_window(128, 1024, 128));
    QVERIFY(distant_window(768, 1024, 128));
    QVERIFY(!distant_window(769, 1024, 128)); // the adjacent window
    QVERIFY(!distant_window(1024, 1024, 128));
}

QTEST_APPLESS_MAIN(TestLadmMath)
#include "tst_ladm_math.moc"
