// Selection modes against expectations worked out by hand, and the recipe they record.
#include "core/curate/recipe.h"
#include "core/curate/selection.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>

using namespace ladm;

namespace {

// Domain A: four samples of 100 tokens, CDS 0.9 0.8 0.5 0.1 (ids 1-4).
// Domain B: two samples of 50 tokens, CDS 0.7 0.2 (ids 5-6).
std::vector<Candidate> example() {
    return {{1, "A", 0.9, 100}, {2, "A", 0.8, 100}, {3, "A", 0.5, 100},
            {4, "A", 0.1, 100}, {5, "B", 0.7, 50},  {6, "B", 0.2, 50}};
}

std::vector<int64_t> sorted(std::vector<int64_t> v) {
    std::sort(v.begin(), v.end());
    return v;
}

} // namespace

class TestSelection : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void referenceOvershoots();
    void budgetExactTrims();
    void budgetNeverReached();
    void thresholds();
    void top();
    void overridesWin();
    void tokenCounts_data();
    void tokenCounts();
    void recipeHoldsWhatTheModeReads();
    void quantiles();
    void reviewOrders();
};

void TestSelection::referenceOvershoots() {
    // Budget 150. For p = 1..24 floor(4p/100) = floor(2p/100) = 0: nothing. p = 25..49: A
    // takes 1 (100 tokens <= 150). p = 50: A takes 2 and B takes 1 = 250 > 150: stop and keep
    // that set, 100 tokens over the budget (one percent step of overshoot).
    SelectionRecipe rc;
    rc.budget = 150;
    const auto r = select_samples(example(), rc);
    QCOMPARE(r.percent, 50);
    QCOMPARE(sorted(r.kept), (std::vector<int64_t>{1, 2, 5}));
    QCOMPARE(r.kept_tokens, int64_t(250));
    QCOMPARE(r.domains.at("A").kept_samples, int64_t(2));
    QCOMPARE(r.domains.at("B").kept_tokens, int64_t(50));
    QCOMPARE(r.total_tokens, int64_t(500));
}

void TestSelection::budgetExactTrims() {
    // Same loop; start from p = 49 ({1}, 100 tokens) and add p = 50's new samples best first
    // while they fit: 2 (0.8, 100 tokens) would make 200 > 150, skipped; 5 (0.7, 50) -> 150.
    SelectionRecipe rc;
    rc.mode = SelectMode::BudgetExact;
    rc.budget = 150;
    const auto r = select_samples(example(), rc);
    QCOMPARE(sorted(r.kept), (std::vector<int64_t>{1, 5}));
    QCOMPARE(r.kept_tokens, int64_t(150));
}

void TestSelection::budgetNeverReached() {
    SelectionRecipe rc;
    rc.budget = 10000;
    const auto r = select_samples(example(), rc);
    QCOMPARE(r.percent, 100);
    QCOMPARE(int(r.kept.size()), 6);
}

void TestSelection::thresholds() {
    SelectionRecipe rc;
    rc.mode = SelectMode::Threshold;
    rc.threshold = 0.6;
    QCOMPARE(sorted(select_samples(example(), rc).kept), (std::vector<int64_t>{1, 2, 5}));
    rc.threshold.reset();
    rc.domain_thresholds = {{"A", 0.85}, {"B", 0.1}};
    QCOMPARE(sorted(select_samples(example(), rc).kept), (std::vector<int64_t>{1, 5, 6}));
    rc.domain_thresholds = {{"A", 0.85}}; // B has none and there is no global one
    QVERIFY(!select_samples(example(), rc).error.empty());
}

void TestSelection::top() {
    SelectionRecipe rc;
    rc.mode = SelectMode::Top;
    rc.top_fraction = 0.5; // round(0.5 * 6) = 3 best: 0.9 0.8 0.7
    QCOMPARE(sorted(select_samples(example(), rc).kept), (std::vector<int64_t>{1, 2, 5}));
    rc.top_fraction.reset();
    rc.top_count = 1;
    QCOMPARE(select_samples(example(), rc).kept, (std::vector<int64_t>{1}));
}

void TestSelection::overridesWin() {
    // Reject 1, force-keep 4 (100 tokens counted from the start). Pools: A {2, 3}, B {5, 6}.
    // p = 1..49: floor(2p/100) = 0 -> 100 tokens. p = 50: 2 and 5 join -> 250 > 150: stop.
    auto c = example();
    c[0].override_decision = "reject";
    c[3].override_decision = "keep";
    SelectionRecipe rc;
    rc.budget = 150;
    const auto r = select_samples(c, rc);
    QCOMPARE(sorted(r.kept), (std::vector<int64_t>{2, 4, 5}));
    // An unscored sample is kept only by override.
    c.push_back({7, "B", 0, 10, false, ""});
    c.push_back({8, "B", 0, 10, false, "keep"});
    rc.mode = SelectMode::Top;
    rc.top_fraction = 1.0;
    const auto all = select_samples(c, rc);
    QVERIFY(std::find(all.kept.begin(), all.kept.end(), 7) == all.kept.end());
    QVERIFY(std::find(all.kept.begin(), all.kept.end(), 8) != all.kept.end());
    QVERIFY(std::find(all.kept.begin(), all.kept.end(), 1) == all.kept.end());
}

void TestSelection::tokenCounts_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("value");
    QTest::newRow("500M") << "500M" << qint64(500000000);
    QTest::newRow("1B") << "1B" << qint64(1000000000);
    QTest::newRow("2.5B") << "2.5B" << qint64(2500000000);
    QTest::newRow("64K") << "64K" << qint64(64000);
    QTest::newRow("plain") << "1073741824" << qint64(1073741824);
    QTest::newRow("bad suffix") << "1X" << qint64(-1);
    QTest::newRow("empty") << "" << qint64(-1);
    QTest::newRow("negative") << "-5" << qint64(-1);
}

void TestSelection::tokenCounts() {
    QFETCH(QString, text);
    QFETCH(qint64, value);
    int64_t out = -1;
    const bool ok = parse_token_count(text.toStdString(), &out);
    QCOMPARE(ok, value >= 0);
    if (ok) QCOMPARE(out, int64_t(value));
}

void TestSelection::recipeHoldsWhatTheModeReads() {
    // A front end may carry values for every mode (the app's panel does): the recipe keeps
    // only those the mode reads, so it is the same whoever wrote it.
    SelectionRecipe rc;
    rc.budget = 150;
    rc.threshold = 0.5;
    rc.domain_thresholds["B"] = 0.1;
    rc.top_fraction = 0.5;
    auto j = recipe_json(rc, 7, select_samples(example(), rc));
    QCOMPARE(j["mode"].get<std::string>(), std::string("reference"));
    QCOMPARE(j["run"].get<int64_t>(), int64_t(7));
    QCOMPARE(j["percent"].get<int>(), 50);
    QCOMPARE(j["kept_samples"].get<int64_t>(), int64_t(3));
    QCOMPARE(j["kept_tokens"].get<int64_t>(), int64_t(250));
    QCOMPARE(j["domains"]["A"]["kept_samples"].get<int64_t>(), int64_t(2));
    QVERIFY(!j.contains("threshold") && !j.contains("top_fraction") &&
            !j.contains("domain_thresholds"));

    rc.mode = SelectMode::Threshold;
    j = recipe_json(rc, 7, select_samples(example(), rc));
    QCOMPARE(j["threshold"].get<double>(), 0.5);
    QCOMPARE(j["domain_thresholds"]["B"].get<double>(), 0.1);
    QVERIFY(!j.contains("percent") && !j.contains("top_fraction"));

    rc.mode = SelectMode::Top;
    rc.top_count = 2;
    j = recipe_json(rc, 7, select_samples(example(), rc));
    QCOMPARE(j["top_count"].get<int64_t>(), int64_t(2));
    QCOMPARE(j["kept_samples"].get<int64_t>(), int64_t(2));
    QVERIFY(!j.contains("top_fraction") && !j.contains("threshold"));
}

void TestSelection::quantiles() {
    QVERIFY(std::isnan(quantile({}, 0.5)));
    QCOMPARE(quantile({3, 1, 2}, 0.5), 2.0);
    QCOMPARE(quantile({4, 1}, 0.25), 1.75);
    QCOMPARE(quantile_sorted({1, 2, 3, 4}, 1.0), 4.0);
}

// The review queues: kept / dropped by CDS, borderline nearest each domain's cut.
void TestSelection::reviewOrders() {
    const auto c = example();
    SelectionRecipe rc;
    rc.mode = SelectMode::Threshold;
    rc.threshold = 0.6; // keeps 1 (0.9), 2 (0.8), 5 (0.7)
    const auto res = select_samples(c, rc);
    auto ids = [&](ReviewList l) {
        std::vector<int64_t> out;
        for (const auto& r : review_order(c, rc, res, l))
            out.push_back(c[r.index].sample_id);
        return out;
    };
    QCOMPARE(ids(ReviewList::Kept), (std::vector<int64_t>{1, 2, 5}));
    QCOMPARE(ids(ReviewList::Dropped), (std::vector<int64_t>{3, 6, 4}));
    // |CDS - 0.6|: 3 and 5 (0.1), 2 (0.2), 1 (0.3), 6 (0.4), 4 (0.5)
    QCOMPARE(ids(ReviewList::Borderline), (std::vector<int64_t>{3, 5, 2, 1, 6, 4}));
    for (const auto& r : review_order(c, rc, res, ReviewList::Borderline))
        QCOMPARE(r.cut, 0.6);
    // budget modes: the cut is the lowest kept CDS of the domain
    SelectionRecipe top;
    top.mode = SelectMode::Top;
    top.top_count = 2; // 1, 2
    const auto tres = select_samples(c, top);
    const auto b = review_order(c, top, tres, ReviewList::Borderline);
    QCOMPARE(int(b.size()), 4); // domain B has nothing kept: no cut there
    QCOMPARE(c[b.front().index].sample_id, int64_t(2));
    QCOMPARE(b.front().cut, 0.8);
    QVERIFY(!parse_review_list("sideways"));
}

QTEST_GUILESS_MAIN(TestSelection)
#include "tst_selection.moc"
