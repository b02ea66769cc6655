// The lexical long-dependency baseline against hand-worked cases and a naive float64
// version (previous occurrences found by scanning back, document frequencies by counting).
#include "core/text/lexical.h"
#include "core/text/surface.h"

#include <QtTest>

#include <cmath>
#include <random>
#include <set>

using namespace ladm;

class TestLexical : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void wordsAndOffsets();
    void handWorked();
    void matchesNaive();
    void asciiPunctuation();
    void surfaceFeatures();
};

void TestLexical::wordsAndOffsets() {
    const auto w = words_of("Hello, wörld_2 “quoted” x\xff"
                            "y 42");
    QStringList t;
    for (const auto& x : w)
        t << QString::fromStdString(x.text) + "@" + QString::number(x.begin);
    // code-point offsets; curly quotes and an invalid byte separate words
    QCOMPARE(t.join(" "), QString("hello@0 wörld_2@7 quoted@16 x@24 y@26 42@28"));
    QVERIFY(words_of("").empty());
    QVERIFY(words_of(" ,;— …").empty());
}

void TestLexical::handWorked() {
    // Three documents; "alpha" is in all (idf 0), "beta" in two, "gamma" in one.
    const std::string a = "alpha beta gamma " + std::string(40, ' ') + "gamma beta alpha";
    const std::string b = "alpha beta";
    const std::string c = "alpha";
    DocumentFrequencies df;
    for (const auto* t : {&a, &b, &c})
        df.add(words_of(*t));
    QCOMPARE(df.documents(), int64_t(3));
    QCOMPARE(df.idf("alpha"), 0.0);
    QCOMPARE(df.idf("beta"), std::log(3.0 / 2));
    QCOMPARE(df.idf("gamma"), std::log(3.0));
    QCOMPARE(df.idf("never"), 0.0);
    const double ib = std::log(1.5), ig = std::log(3.0);
    // in a: gamma again 46 code points later, beta 57 later
    const auto wa = words_of(a);
    QCOMPARE(lexical_dependency(wa, df, 10), (ig + ib) / (2 * ib + 2 * ig));
    QCOMPARE(lexical_dependency(wa, df, 50), ib / (2 * ib + 2 * ig)); // only beta is that far
    QCOMPARE(lexical_dependency(wa, df, 100), 0.0);
    QCOMPARE(lexical_dependency(words_of(c), df, 0), 0.0); // only idf-0 words
}

void TestLexical::matchesNaive() {
    std::mt19937 rng(7);
    const char* vocab[] = {"the",  "a",       "model",  "Ada",    "Lovelace",
                           "x1",   "int",     "return", "ß",      "naïve",
                           "über", "foo_bar", "42",     "engine", "river"};
    std::vector<std::string> docs;
    for (int d = 0; d < 12; ++d) {
        std::string t;
        const int n = 50 + int(rng() % 400);
        for (int i = 0; i < n; ++i) {
            t += vocab[rng() % 15];
            t += (rng() % 7 == 0) ? ".\n" : " ";
        }
        docs.push_back(t);
    }
    DocumentFrequencies df;
    std::vector<std::vector<Word>> words;
    for (const auto& t : docs)
        df.add(words.emplace_back(words_of(t)));
    for (int64_t D : {0, 5, 60, 500}) {
        for (size_t d = 0; d < docs.size(); ++d) {
            const auto& w = words[d];
            double far = 0, all = 0;
            for (size_t i = 0; i < w.size(); ++i) {
                int dfw = 0;
                for (const auto& other : words) {
                    bool has = false;
                    for (const auto& x : other)
                        has = has || x.text == w[i].text;
                    dfw += has;
                }
                const double idf = std::log(double(docs.size()) / dfw);
                all += idf;
                for (size_t j = i; j-- > 0;)
                    if (w[j].text == w[i].text) {
                        if (w[i].begin - w[j].begin > D) far += idf;
                        break;
                    }
            }
            const double naive = all > 0 ? far / all : 0;
            const double got = lexical_dependency(w, df, D);
            QVERIFY2(
                std::abs(got - naive) <= 1e-12 * std::max(1.0, naive),
                qPrintable(
                    QString("doc %1, D %2: %3 vs naive %4").arg(d).arg(D).arg(got).arg(naive)));
        }
    }
}

void TestLexical::asciiPunctuation() {
    QCOMPARE(
        QString::fromStdString(ascii_punctuation(
            "\u201cIt\u2019s\u201d \u2014 she said\u2026 \u00abnon\u00bb 3\u00a0km \u2018a\u2019")),
        QString("\"It's\" - she said... \"non\" 3 km 'a'"));
    // everything else as it is, invalid bytes included
    const std::string other = "na\u00efve \u00fcber \xff x \u4e2d";
    QCOMPARE(ascii_punctuation(other), other);
    QCOMPARE(ascii_punctuation(""), std::string());
}

// The confound check's features, worked by hand.
void TestLexical::surfaceFeatures() {
    // a b 1 , é \u201C: 6 code points, 2 not ASCII, 3 digits/punctuation (1 , \u201C)
    const auto f = text_features("ab1,\u00E9\u201C");
    QCOMPARE(f.at(kFeatureNonAscii), 2.0 / 6);
    QCOMPARE(f.at(kFeatureDigitsPunct), 3.0 / 6);
    // an invalid byte counts as one non-ASCII character
    QCOMPARE(text_features("a\xFF").at(kFeatureNonAscii), 0.5);
    QVERIFY(text_features("").empty());
    // repetition compresses
    std::string rep, rnd;
    std::mt19937_64 g(2);
    for (int i = 0; i < 4000; ++i) {
        rep += "the same words again ";
        rnd += char('a' + g() % 26);
    }
    QVERIFY(text_features(rep).at(kFeatureZstdRatio) < 0.05);
    QVERIFY(text_features(rnd).at(kFeatureZstdRatio) > 0.5);
    const auto t = token_features(10, {1, 2, 3, 4}, {0, 1, 0, 0, 0});
    QCOMPARE(t.at(kFeatureCharsPerToken), 2.5);
    QCOMPARE(t.at(kFeatureByteFallback), 0.25);
    QVERIFY(token_features(10, {}, {}).empty());
    QVERIFY(is_punctuation_or_symbol(U'\u2014') && is_punctuation_or_symbol('+'));
    QVERIFY(!is_punctuation_or_symbol('a') && !is_punctuation_or_symbol(U'\u00E9'));
    QVERIFY(is_space_or_control(' ') && is_space_or_control('\n') && !is_space_or_control('.'));
}

QTEST_APPLESS_MAIN(TestLexical)
#include "tst_lexical.moc"
