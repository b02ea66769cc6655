// Several scores side by side: rank correlations against naive O(n^2) definitions, the
// derived scores (LongAttn's per-run combination, rank averages), the disagreements, the
// confound check, and selection on a score other than CDS.
#include "core/curate/recipe.h"
#include "core/curate/score_table.h"

#include <QtTest>

#include <cmath>
#include <random>

using namespace ladm;

namespace {
// Kendall's tau-b by its definition: every pair, ties counted in x, in y.
double naive_kendall(const std::vector<double>& x, const std::vector<double>& y) {
    double conc = 0, disc = 0, tx = 0, ty = 0;
    for (size_t i = 0; i < x.size(); ++i)
        for (size_t j = i + 1; j < x.size(); ++j) {
            const double dx = x[i] - x[j], dy = y[i] - y[j];
            if (dx == 0 && dy == 0) continue;
            if (dx == 0)
                ++tx;
            else if (dy == 0)
                ++ty;
            else if ((dx > 0) == (dy > 0))
                ++conc;
            else
                ++disc;
        }
    return (conc - disc) / std::sqrt((conc + disc + tx) * (conc + disc + ty));
}
// Spearman without ties: 1 - 6 sum d^2 / (n (n^2 - 1)).
double naive_spearman_distinct(const std::vector<double>& x, const std::vector<double>& y) {
    const size_t n = x.size();
    double d2 = 0;
    for (size_t i = 0; i < n; ++i) {
        double rx = 1, ry = 1;
        for (size_t j = 0; j < n; ++j)
            rx += x[j] < x[i], ry += y[j] < y[i];
        d2 += (rx - ry) * (rx - ry);
    }
    return 1 - 6 * d2 / (double(n) * (double(n * n) - 1));
}

ResultRow row(int64_t id, const std::string& domain, std::map<std::string, double> scores,
              int64_t tokens = 100) {
    ResultRow r;
    r.sample_id = id;
    r.key = "s" + std::to_string(id);
    r.domain = domain;
    r.status = "ok";
    r.tokens = tokens;
    if (auto it = scores.find("cds"); it != scores.end()) {
        r.cds = it->second;
        scores.erase(it);
    } else {
        r.cds = std::nan("");
    }
    r.scores = std::move(scores);
    return r;
}
} // namespace

class TestScoreTable : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void rankCorrelations();
    void derivedScores();
    void agreementAndDisagreements();
    void confoundCheck();
    void selectOnAnotherScore();
};

void TestScoreTable::rankCorrelations() {
    std::mt19937_64 g(3);
    for (int trial = 0; trial < 20; ++trial) {
        const size_t n = 5 + g() % 60;
        std::vector<double> x, y, xd, yd;
        for (size_t i = 0; i < n; ++i) {
            x.push_back(double(g() % 7)); // many ties
            y.push_back(double(g() % 5) + 0.1 * x.back());
            xd.push_back(double(g() % 100000) / 7.0); // distinct (almost surely)
            yd.push_back(xd.back() * 0.5 + double(g() % 100000));
        }
        QVERIFY(std::abs(kendall_tau_b(x, y) - naive_kendall(x, y)) < 1e-12);
        QVERIFY(std::abs(kendall_tau_b(xd, yd) - naive_kendall(xd, yd)) < 1e-12);
        QVERIFY(std::abs(spearman(xd, yd) - naive_spearman_distinct(xd, yd)) < 1e-9);
    }
    const std::vector<double> up{1, 2, 3, 4, 5}, down{9, 7, 5, 3, 1};
    QCOMPARE(spearman(up, up), 1.0);
    QCOMPARE(kendall_tau_b(up, down), -1.0);
    // pairs with a NaN are left out; under 3 pairs there is no correlation
    QCOMPARE(spearman({1, 2, NAN, 4}, {2, 3, 1, 5}), 1.0);
    QVERIFY(std::isnan(spearman({1, 2}, {1, 2})));
    QVERIFY(std::isnan(kendall_tau_b({1, 1, 1}, {1, 2, 3}))); // no variation in x
    // Spearman with ties: Pearson of average ranks, worked by hand.
    // x ranks 1.5 1.5 3 4, y ranks 1 2 3 4
    const double r = spearman({1, 1, 2, 3}, {1, 2, 3, 4});
    const double mx = 2.5, my = 2.5;
    const double rx[] = {1.5, 1.5, 3, 4}, ry[] = {1, 2, 3, 4};
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < 4; ++i)
        sxy += (rx[i] - mx) * (ry[i] - my), sxx += (rx[i] - mx) * (rx[i] - mx),
            syy += (ry[i] - my) * (ry[i] - my);
    QVERIFY(std::abs(r - sxy / std::sqrt(sxx * syy)) < 1e-12);
}

void TestScoreTable::derivedScores() {
    // LongAttn: minmax(proportion) - 0.5 minmax(uniformity) over the run
    std::vector<ResultRow> rows{
        row(1, "A", {{"longattn_proportion", 0.2}, {"longattn_uniformity", 1.0}, {"cds", 3}}),
        row(2, "A", {{"longattn_proportion", 0.4}, {"longattn_uniformity", 3.0}, {"cds", 1}}),
        row(3, "B", {{"longattn_proportion", 0.3}, {"longattn_uniformity", 2.0}, {"cds", 2}}),
        row(4, "B", {{"cds", 4}}), // no LongAttn: no derived value
    };
    std::string err;
    QVERIFY2(add_derived_scores(&rows, {"longattn"}, &err), err.c_str());
    QCOMPARE(rows[0].score("longattn"), 0.0 - 0.5 * 0.0);
    QCOMPARE(rows[1].score("longattn"), 1.0 - 0.5 * 1.0);
    QCOMPARE(rows[2].score("longattn"), 0.5 - 0.5 * 0.5);
    QVERIFY(std::isnan(rows[3].score("longattn")));
    // rank average over the rows having both: cds ranks 3 1 2 (of 3), longattn 1 3 2
    QVERIFY(add_derived_scores(&rows, {"cds+longattn"}, &err));
    QCOMPARE(rows[0].score("cds+longattn"), (1.0 + 0.0) / 2);
    QCOMPARE(rows[1].score("cds+longattn"), (0.0 + 1.0) / 2);
    QCOMPARE(rows[2].score("cds+longattn"), (0.5 + 0.5) / 2);
    QVERIFY(std::isnan(rows[3].score("cds+longattn")));
    // unknown scores are named
    QVERIFY(!add_derived_scores(&rows, {"lcgain"}, &err));
    QVERIFY2(err.find("lcgain") != std::string::npos, err.c_str());
    std::vector<ResultRow> plain{row(1, "A", {{"cds", 1}})};
    QVERIFY(!add_derived_scores(&plain, {"longattn"}, &err));
    QVERIFY2(err.find("longattn") != std::string::npos, err.c_str());
    // the scores some row has, in order: lcgain before any sample was long enough is not
    QCOMPARE(present_scores(&rows, {"cds", "lcgain", "longattn", "cds+lcgain", "cds+longattn"}),
             (std::vector<std::string>{"cds", "longattn", "cds+longattn"}));
    QVERIFY(present_scores(&plain, {"lcgain", "longattn"}).empty());
}

void TestScoreTable::agreementAndDisagreements() {
    std::vector<ResultRow> rows;
    for (int i = 0; i < 10; ++i) // A: b follows a; B: b reverses a
        rows.push_back(row(i, i < 5 ? "A" : "B",
                           {{"cds", double(i)}, {"lexical", i < 5 ? double(i) : -double(i)}}));
    rows.push_back(row(99, "B", {{"cds", 7.5}})); // no lexical: left out
    rows.back().status = "error";
    const auto ag = score_agreement(rows, "cds", "lexical");
    QCOMPARE(ag.size(), size_t(3));
    QCOMPARE(QString::fromStdString(ag[0].domain), QString("A"));
    QCOMPARE(ag[0].pairs, int64_t(5));
    QCOMPARE(ag[0].spearman, 1.0);
    QCOMPARE(ag[0].kendall, 1.0);
    QCOMPARE(ag[1].spearman, -1.0);
    QCOMPARE(QString::fromStdString(ag[2].domain), QString("(all)"));
    QCOMPARE(ag[2].pairs, int64_t(10));
    // the sample ranked highest by cds and low by lexical comes first
    const auto dis = disagreements(rows, "cds", "lexical", 3);
    QCOMPARE(dis.size(), size_t(3));
    QCOMPARE(dis[0].sample_id, int64_t(9)); // cds rank 1 (highest), lexical rank 0
    QVERIFY(dis[0].rank_a > dis[0].rank_b);
    for (size_t k = 1; k < dis.size(); ++k)
        QVERIFY(std::abs(dis[k - 1].rank_a - dis[k - 1].rank_b) >=
                std::abs(dis[k].rank_a - dis[k].rank_b));
}

void TestScoreTable::confoundCheck() {
    // In A the score follows length; in B it does not.
    std::vector<ResultRow> rows;
    std::mt19937_64 g(1);
    for (int i = 0; i < 12; ++i)
        rows.push_back(
            row(i, "A", {{"cds", double(i)}, {"f_non_ascii", double(g() % 100)}}, 100 + 10 * i));
    for (int i = 0; i < 12; ++i)
        rows.push_back(row(100 + i, "B", {{"cds", double(i)}, {"f_non_ascii", double(i % 3)}},
                           1000 + int64_t(g() % 1000)));
    QCOMPARE(confound_features(rows), (std::vector<std::string>{"tokens", "f_non_ascii"}));
    const auto cf = confounds(rows, {"cds"});
    QCOMPARE(cf.size(), size_t(3 * 2)); // A, B, (all) x two features
    for (const auto& c : cf) {
        if (c.domain == "A" && c.feature == "tokens") {
            QCOMPARE(c.rho, 1.0);
            QVERIFY(c.warn);
        }
        if (c.domain == "(all)") QVERIFY(!c.warn); // only within a domain
        if (c.domain == "B" && c.feature == "f_non_ascii") QCOMPARE(c.pairs, int64_t(12));
    }
}

void TestScoreTable::selectOnAnotherScore() {
    std::vector<ResultRow> rows{row(1, "A", {{"cds", 0.9}, {"lexical", 0.1}}),
                                row(2, "A", {{"cds", 0.1}, {"lexical", 0.9}}),
                                row(3, "A", {{"cds", 0.5}})};
    SelectionRecipe rc;
    rc.mode = SelectMode::Top;
    rc.top_count = 1;
    rc.score = "lexical";
    const auto cands = candidates_of(rows, rc.score);
    QVERIFY(!cands[2].scored); // no lexical value: only an override could keep it
    const auto res = select_samples(cands, rc);
    QCOMPARE(res.kept, (std::vector<int64_t>{2}));
    QCOMPARE(QString::fromStdString(recipe_json(rc, 1, res).value("score", "")),
             QString("lexical"));
    rc.score = "cds";
    QVERIFY(!recipe_json(rc, 1, select_samples(candidates_of(rows), rc)).contains("score"));
    QCOMPARE(select_samples(candidates_of(rows), rc).kept, (std::vector<int64_t>{1}));
}

QTEST_MAIN(TestScoreTable)
#include "tst_score_table.moc"
