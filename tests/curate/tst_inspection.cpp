// Sample inspection (ladm show and the app's sample view): the stored window grid and the
// strongest distant dependencies, against grids worked out by hand.
#include "core/curate/inspection.h"

#include <QtTest>

using namespace ladm;

class TestInspection : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void windowsAnchoredAtLength();
    void strongestSkipSinkAndNeighbours();
    void tokenRangeText();
};

void TestInspection::windowsAnchoredAtLength() {
    // L = 70, C = 16: 5 windows, the first partial: [0,6) [6,22) [22,38) [38,54) [54,70).
    const StoredWindows g{70, 5, 16};
    const int64_t begins[] = {0, 6, 22, 38, 54};
    for (int w = 0; w < 5; ++w)
        QCOMPARE(g.begin(w), begins[w]);
    QCOMPARE(g.end(0), int64_t(6));
    QCOMPARE(g.end(3), int64_t(54));
    QCOMPARE(g.end(4), int64_t(70));
}

void TestInspection::strongestSkipSinkAndNeighbours() {
    // L = 96, C = 16: 6 whole windows at 0, 16, ..., 80. Span 0 at t = 80, span 1 at t = 64.
    const StoredWindows g{96, 6, 16};
    const std::vector<int64_t> starts = {80, 64};
    std::vector<float> mass = {
        9.0f, 1.0f, 2.0f, 3.0f, 1.0f, 0.0f, // t = 80: window 0 is the sink, 4 the neighbour
        8.0f, 4.0f, 0.5f, 3.5f, 0.0f, 0.0f, // t = 64: windows 3+ are the neighbour / after
    };
    const auto all = strongest_dependencies(starts, mass, g, 10);
    // Distant windows: begin >= C (not the sink) and begin <= t - 2C.
    // t = 80: windows 1 (16), 2 (32), 3 (48); t = 64: windows 1 (16), 2 (32).
    QCOMPARE(all.size(), size_t(5));
    QCOMPARE(all[0].mass, 4.0f);
    QCOMPARE(all[0].span_index, size_t(1));
    QCOMPARE(all[0].key_begin, int64_t(16));
    QCOMPARE(all[0].distance(), int64_t(48));
    QCOMPARE(all[1].mass, 3.0f);
    QCOMPARE(all[1].query_begin, int64_t(80));
    QCOMPARE(all[1].key_end, int64_t(64));
    for (const auto& d : all)
        QVERIFY(d.key_begin >= 16 && d.key_begin <= d.query_begin - 32);
    const auto one = strongest_dependencies(starts, mass, g, 1, 0);
    QCOMPARE(one.size(), size_t(1));
    QCOMPARE(one[0].mass, 3.0f);
    // A truncated mass matrix is read only as far as it goes.
    mass.resize(7);
    QCOMPARE(strongest_dependencies(starts, mass, g, 10).size(), size_t(3));
}

void TestInspection::tokenRangeText() {
    Encoding enc;
    enc.text = "héllo wörld";
    enc.ids = {1, 2, 3};
    enc.offsets = {{0, 5}, {5, 6}, {6, 11}};
    QCOMPARE(QString::fromStdString(token_range_text(enc, 2, 3)), QString("wörld"));
    QCOMPARE(QString::fromStdString(token_range_text(enc, 0, 1)), QString("héllo"));
    QCOMPARE(QString::fromStdString(token_range_text(enc, 2, 99)), QString("wörld"));
    QVERIFY(token_range_text(enc, 3, 3).empty());
    QVERIFY(token_range_text(enc, -5, 0).empty());
}

QTEST_APPLESS_MAIN(TestInspection)
#include "tst_inspection.moc"
