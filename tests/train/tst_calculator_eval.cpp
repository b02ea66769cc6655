// eval-calculator's pieces: ROC AUC, spliced controls and the target-attention ceiling.
#include "core/corpus/source_text.h"
#include "core/model/engine.h"
#include "core/model/safetensors.h"
#include "core/text/tokenizer.h"
#include "train/calculator_calibrate.h"
#include "train/calculator_curriculum.h"
#include "train/calculator_eval.h"
#include "train/calculator_train.h"

#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>

using namespace ladm;

class TestCalculatorEval : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void rocAuc();
    void splicedControl();
    void targetAttentionCds();
};

void TestCalculatorEval::rocAuc() {
    // pos {3, 4} vs neg {1, 3}: 3>1, 3=3 (half), 4>1, 4>3 -> 3.5 / 4
    QCOMPARE(roc_auc({3, 4}, {1, 3}), 0.875);
    QCOMPARE(roc_auc({1}, {2}), 0.0);
    QCOMPARE(roc_auc({}, {2}), 0.5);
    // per group: a = pairs (3, 2) and (1, 0): 3>2, 3>0, 1<2, 1>0 -> 3 / 4; b = (1, 5) -> 0.
    // Pooled, the same pairs give 4 / 9: each group separates better than the pool.
    const std::vector<double> pos{3, 1, 1}, neg{2, 5, 0};
    const auto g = roc_auc_per_group(pos, neg, {"a", "b", "a"});
    QCOMPARE(g.size(), size_t(2));
    QCOMPARE(g.at("a"), 0.75);
    QCOMPARE(g.at("b"), 0.0);
    QCOMPARE(roc_auc(pos, neg), 4.0 / 9.0);
    // Hanley-McNeil: AUC 0.5 over 40 + 40 scores -> sqrt((0.25 + 78 / 12) / 1600)
    QVERIFY(std::abs(auc_standard_error(0.5, 40, 40) - std::sqrt((0.25 + 78.0 / 12) / 1600)) <
            1e-12);
    QCOMPARE(auc_standard_error(1.0, 40, 40), 0.0);
    QCOMPARE(auc_standard_error(0.7, 0, 40), 0.0);
}

void TestCalculatorEval::splicedControl() {
    // 12 documents whose tokens say which document they are: d * 1000 + position
    std::vector<std::vector<int32_t>> docs;
    for (int d = 0; d < 12; ++d) {
        docs.emplace_back();
        for (int k = 0; k < (d == 7 ? 40 : 900); ++k) // document 7 is too short to use
            docs.back().push_back(d * 1000 + k);
    }
    std::mt19937_64 rng(5);
    std::vector<size_t> src;
    const auto c = spliced_control(docs, 3, 2000, rng, &src);
    QCOMPARE(int(c.size()), 2000);
    QVERIFY(src.size() >= 4); // pieces are under 512 tokens
    std::set<size_t> distinct(src.begin(), src.end());
    QCOMPARE(distinct.size(), src.size()); // 10 usable documents: no piece shares one
    QVERIFY(!distinct.count(3) && !distinct.count(7));
    // every token comes from the piece's document, in order within the piece
    size_t at = 0;
    for (size_t p = 0; p < src.size() && at < c.size(); ++p) {
        const size_t piece_start = at;
        const int32_t first = c[at];
        QCOMPARE(size_t(first / 1000), src[p]);
        while (at < c.size() && c[at] / 1000 == first / 1000) {
            QCOMPARE(c[at], first + int32_t(at - piece_start));
            ++at;
        }
        QVERIFY(at - piece_start >= 64 || at == c.size());
        QVERIFY(at - piece_start < 512);
    }
    QCOMPARE(at, c.size());
    // more pieces than documents: reuse starts only when every document has been used
    src.clear();
    const auto long_c = spliced_control(docs, 3, 6000, rng, &src); // >= 12 pieces
    QCOMPARE(int(long_c.size()), 6000);
    QVERIFY(src.size() >= 12);
    std::set<size_t> first10(src.begin(), src.begin() + 10);
    QCOMPARE(first10.size(), size_t(10));
    // nothing to splice from
    std::vector<std::vector<int32_t>> lone{docs[0], docs[7]};
    QVERIFY(spliced_control(lone, 0, 500, rng).empty());
}

void TestCalculatorEval::targetAttentionCds() {
    // C = 16, d_afs = d_cds = 2 (I = 32, K0 = 16), L = 177: one query span, t = 161, and
    // PFS windows [129,145), [97,113), [65,81), [33,49). Queries 161..164 have earlier
    // occurrences at 33..36 (weights 1, 3, 1, 1) and query 170 repeats 161's token: its
    // occurrence at 161 is in the span (not a key), the one at 33 counts. Every other
    // token is unique. Mass on [33,49): 1/2 + 3/4 + 1/2 + 1/2 + 1/2 = 2.75, the rest on BOS.
    std::vector<int32_t> s(177);
    for (size_t i = 0; i < s.size(); ++i)
        s[i] = int32_t(1000 + i);
    s[0] = 1;
    for (int r = 0; r < 4; ++r)
        s[size_t(33 + r)] = s[size_t(161 + r)];
    s[170] = s[161];
    std::vector<float> w(s.size(), 1.0f);
    w[162] = 3;
    LadmParams p;
    p.span = 16, p.d_afs = 2, p.d_cds = 2;
    // PFS (k = 1..4) = 0, 0, 0, 2.75: mean 0.6875, sigma = sqrt((3 * 0.6875^2 + 2.0625^2) / 3)
    const double sigma = std::sqrt((3 * 0.6875 * 0.6875 + 2.0625 * 2.0625) / 3);
    const double afs = sigma * (161.0 / 177) * (2.75 * 128 / 177);
    QVERIFY2(std::abs(target_attention_cds(s, w, p) - afs) < 1e-12,
             qPrintable(QString::number(target_attention_cds(s, w, p))));
    // no weight on matches: everything on BOS, which LADM never scores
    QCOMPARE(target_attention_cds(s, std::vector<float>(s.size(), 0.0f), p), 0.0);
}

QTEST_GUILESS_MAIN(TestCalculatorEval)
#include "tst_calculator_eval.moc"
