// The training recipe's parts: the text split, the long-range attention targets and their
// loss, the matcher initialisation, the per-kind token rarity and the kind-balanced windows.
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
#include <sstream>

using namespace ladm;

class TestTrainTargets : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void textFilesAndSplit();
    void retrievalTargets();
    void farAttentionCe();
    void matcherInit();
    void tokenRarityByDomain();
    void neverMatchTokens();
    void kindBalancedWindows();
    void tokenizerInput();
};

void TestTrainTargets::textFilesAndSplit() {
    // --text lists are deduplicated like the default text: the second copy is dropped
    QTemporaryDir tmp;
    auto write = [&](const char* name, const std::string& text) {
        const std::string p = tmp.filePath(name).toStdString();
        std::ofstream(p) << text;
        return p;
    };
    const std::string a = write("a.txt", "one text"), b = write("b.txt", "another text"),
                      a2 = write("a2.txt", "one text");
    QCOMPARE(calculator_text_files({a, a2, b}), (std::vector<std::string>{a, b}));
    // the split: a smaller share's held-out files are held out at a larger share too, and
    // the shares come out about as asked
    int held5 = 0, held10 = 0;
    for (int i = 0; i < 4000; ++i) {
        const std::string path = "/doc/" + std::to_string(i) + ".h";
        const bool h5 = is_held_out(path, 0.05), h10 = is_held_out(path, 0.10);
        QVERIFY2(!h5 || h10, path.c_str());
        held5 += h5, held10 += h10;
    }
    QVERIFY2(held5 > 150 && held5 < 250, std::to_string(held5).c_str());
    QVERIFY2(held10 > 330 && held10 < 470, std::to_string(held10).c_str());
}

void TestTrainTargets::retrievalTargets() {
    // BOS a b a c a b with rarity(a) = 2, rarity(b) = 0.5, rarity(c) = 9
    const std::vector<int32_t> s{1, 10, 11, 10, 12, 10, 11};
    std::vector<float> by_token(16, 0.0f);
    by_token[10] = 2, by_token[11] = 0.5f, by_token[12] = 9;
    std::vector<float> rarity; // each query's match weight
    for (int32_t t : s)
        rarity.push_back(by_token[size_t(t)]);
    const size_t T = s.size();
    std::vector<float> out(T * T, 0.0f);
    retrieval_targets(s, rarity, /*local=*/0, out.data());
    auto at = [&](size_t i, size_t j) { return out[i * T + j]; }; // float, fuzzy compare
    QCOMPARE(at(0, 0), float(1.0));                               // BOS on itself
    QCOMPARE(at(1, 0), float(1.0));     // first a: nothing to retrieve, the sink
    QCOMPARE(at(4, 0), float(1.0));     // first c, however rare
    QCOMPARE(at(3, 0), float(1.0 / 3)); // second a: 1 : 2 between BOS and the first a
    QCOMPARE(at(3, 1), float(2.0 / 3));
    QCOMPARE(at(5, 0), float(1.0 / 5)); // third a: 1 : 2 : 2
    QCOMPARE(at(5, 1), float(2.0 / 5));
    QCOMPARE(at(5, 3), float(2.0 / 5));
    QCOMPARE(at(6, 0), float(1.0 / 1.5)); // second b, a common token: mostly the sink
    QCOMPARE(at(6, 2), float(0.5 / 1.5));
    for (size_t i = 0; i < T; ++i) { // rows are distributions over earlier positions
        double sum = 0;
        for (size_t j = 0; j < T; ++j) {
            QVERIFY2(j <= i || at(i, j) == 0, "attention target after the query");
            sum += at(i, j);
        }
        QVERIFY(std::abs(sum - 1) < 1e-6);
    }
    // Only occurrences more than `local` tokens back are targets (nearer ones are the
    // head's own business): with local = 2, the third a (5) sees the first (1), not the
    // second (3); the second a (3) sees none.
    std::fill(out.begin(), out.end(), 0.0f);
    retrieval_targets(s, rarity, 2, out.data());
    QCOMPARE(at(3, 0), float(1.0));
    QCOMPARE(at(3, 1), float(0.0));
    QCOMPARE(at(5, 0), float(1.0 / 3));
    QCOMPARE(at(5, 1), float(2.0 / 3));
    QCOMPARE(at(5, 3), float(0.0));
    QCOMPARE(at(6, 2), float(0.5 / 1.5)); // 4 tokens back
}

void TestTrainTargets::farAttentionCe() {
    // Keys: BOS, a target far key, a far distractor (counted 8x), a local key (ignored).
    // The local key takes essentially all of the softmax (score 200: the others' shares
    // are below float's range), as a local head's does; the far distribution — what LADM's
    // span softmax renormalises — must still be supervised, exactly.
    const std::vector<float> scores{0.0f, 1.0f, -1.0f, 200.0f};
    const std::vector<float> target{0.5f, 0.5f, 0.0f, 0.0f};
    const std::vector<float> weight{1.0f, 1.0f, 8.0f, 0.0f};
    std::vector<float> grad;
    const double z = std::exp(0.0) + std::exp(1.0) + 8 * std::exp(-1.0);
    const double ce = far_attention_ce(scores, target, weight, &grad);
    QVERIFY(std::isfinite(ce));
    QVERIFY2(std::abs(ce - (std::log(z) - 0.5)) < 1e-5, qPrintable(QString::number(ce)));
    QCOMPARE(grad.size(), size_t(4));
    QVERIFY(std::abs(grad[0] - (1 / z - 0.5)) < 1e-5);             // BOS: below its target
    QVERIFY(std::abs(grad[1] - (std::exp(1.0) / z - 0.5)) < 1e-5); // the match
    QVERIFY(std::abs(grad[2] - 8 * std::exp(-1.0) / z) < 1e-5);    // push the distractor down
    QVERIFY(grad[2] > 0.1);
    QCOMPARE(grad[3], 0.0f); // the local key is not the supervision's business
    // A sharp far distribution on the targets costs less than a flat one.
    const double sharp = far_attention_ce({5.0f, 5.0f, -5.0f, 200.0f}, target, weight, nullptr);
    QVERIFY(sharp < ce);
    QVERIFY(std::abs(sharp - std::log(2.0)) < 0.01);
}

void TestTrainTargets::matcherInit() {
    // A model fresh from initialisation (one step at a negligible learning rate): with
    // matcher init its heads attend to earlier occurrences of the current token, so a
    // sequence that repeats a passage of random tokens scores far above one that does not;
    // with plain random init both get diffuse attention. With rarity init (the default) a
    // passage of the text's rare tokens repeated draws more of that attention than one of
    // its common tokens; without it the two are alike.
    QTemporaryDir tmp;
    std::vector<std::string> files;
    std::mt19937_64 rng(9);
    for (int f = 0; f < 24; ++f) {
        const std::string p = tmp.filePath(QString("t%1.txt").arg(f)).toStdString();
        std::ofstream out(p);
        for (int l = 0; l < 100; ++l)
            out << "the value of item " << rng() % 100 << " is " << rng() % 1000
                << (l % 3 == 2 ? ".\n" : ", and ");
        files.push_back(p);
    }
    auto fresh_model = [&](const QString& name, double match_init, bool rarity_init) {
        TrainOptions o;
        o.out_dir = tmp.filePath(name).toStdString();
        o.text_files = files;
        o.vocab = 300;
        o.hidden = 64;
        o.layers = 1;
        o.heads = 1;
        o.kv_heads = 1;
        o.intermediate = 64;
        o.seq_len = 64;
        o.batch = 1;
        o.steps = 1;
        o.long_steps = 0;
        o.lr = 1e-9;
        o.warmup = 1;
        o.max_positions = 1024;
        o.export_bf16 = false;
        o.held_out_fraction = 0.3;
        o.calibration.scales.clear();
        o.match_init = match_init;
        o.rarity_init = rarity_init;
        // the passages below are of ids 3..299, mostly byte-fallback pieces: matchers for all
        o.skip_punctuation_matches = false;
        TrainResult r;
        std::string err;
        std::unique_ptr<Engine> engine;
        if (train_calculator(o, {}, &r, &err)) {
            EngineOptions eo;
            eo.device = "cpu";
            engine = Engine::open(o.out_dir, eo, &err);
        }
        if (!engine) qWarning("%s: %s", qPrintable(name), err.c_str());
        return engine;
    };
    LadmParams p;
    p.span = 16;
    p.d_afs = 2;
    p.d_cds = 2;
    // CDS of a 96-token passage drawn from pool, repeated 4 times (NaN if scoring fails,
    // so every comparison below fails with it).
    auto repeated_cds = [&](Engine& e, const std::vector<int32_t>& pool, uint64_t seed) {
        std::mt19937_64 g(seed);
        std::vector<int32_t> passage, seq{1};
        for (int i = 0; i < 96; ++i)
            passage.push_back(pool[g() % pool.size()]);
        for (int k = 0; k < 4; ++k)
            seq.insert(seq.end(), passage.begin(), passage.end());
        const auto r = e.score(seq, p);
        return r.status == ScoreStatus::Ok ? r.cds : std::nan("score failed");
    };
    auto distinct_cds = [&](Engine& e) {
        std::mt19937_64 g(4);
        std::vector<int32_t> seq{1};
        for (int i = 0; i < 384; ++i)
            seq.push_back(int32_t(3 + g() % 297));
        const auto r = e.score(seq, p);
        return r.status == ScoreStatus::Ok ? r.cds : std::nan("score failed");
    };
    std::vector<int32_t> all;
    for (int32_t t = 3; t < 300; ++t)
        all.push_back(t);

    auto matchers = fresh_model("matchers", 2.8, true);
    QVERIFY(matchers);
    double rep = repeated_cds(*matchers, all, 4), dis = distinct_cds(*matchers);
    qInfo("matchers: %g vs %g", rep, dis);
    QVERIFY2(rep > 3 * dis, qPrintable(QString("matchers: %1 vs %2").arg(rep).arg(dis)));
    auto random = fresh_model("random", 0, true);
    QVERIFY(random);
    rep = repeated_cds(*random, all, 4), dis = distinct_cds(*random);
    qInfo("random init: %g vs %g", rep, dis);
    QVERIFY2(rep < 2 * dis, qPrintable(QString("random init: %1 vs %2").arg(rep).arg(dis)));

    // The 40 commonest and 40 rarest tokens of the training text.
    std::string err;
    auto tok = Tokenizer::from_dir(tmp.filePath("matchers").toStdString(), &err);
    QVERIFY2(tok, err.c_str());

    std::vector<std::pair<int64_t, int32_t>> counts;
    for (int32_t t = 3; t < 300; ++t)
        counts.emplace_back(0, t);
    for (const auto& f : files) {
        std::ifstream in(f);
        const std::string text((std::istreambuf_iterator<char>(in)), {});
        for (int32_t t : tok->encode(text, false).ids)
            if (t >= 3 && t < 300) ++counts[size_t(t - 3)].first;
    }
    std::sort(counts.begin(), counts.end());
    std::vector<int32_t> rare, common;
    for (size_t k = 0; k < 40; ++k)
        rare.push_back(counts[k].second), common.push_back(counts[counts.size() - 1 - k].second);
    auto ratio = [&](Engine& e) {
        double r = 0, c = 0;
        for (uint64_t seed = 1; seed <= 3; ++seed)
            r += repeated_cds(e, rare, seed), c += repeated_cds(e, common, seed);
        return r / c;
    };
    // At this tiny model's size, strength 2.8 saturates on any match, rare or common (rare /
    // common 1.3 with rarity init, 1.0 without); compare at a strength that does not.
    auto weak = fresh_model("weak", 1.0, true), weak_plain = fresh_model("weak-plain", 1.0, false);
    QVERIFY(weak && weak_plain);
    const double with_rarity = ratio(*weak), without = ratio(*weak_plain);
    qInfo("rare / common passage CDS: %g with rarity init, %g without", with_rarity, without);
    QVERIFY2(with_rarity > 2 * without,
             qPrintable(QString("rarity: %1 vs %2").arg(with_rarity).arg(without)));
}

void TestTrainTargets::tokenRarityByDomain() {
    // Two kinds of text with 20 files each and one file of a third kind: "headers" use
    // token 10 in every file, "python" files use it once each; tokens 30.. and 50.. are
    // each kind's own. With domain_rarity, token 10 is common among headers (a small match
    // weight there) and rare in Python (a large one); the lone file's kind is too small
    // for its own frequencies and uses those over all the text.
    std::vector<std::vector<int32_t>> docs;
    std::vector<std::string> kinds;
    for (int f = 0; f < 20; ++f) {
        std::vector<int32_t> h, py;
        for (int i = 0; i < 50; ++i)
            h.push_back(i % 2 ? 10 : 30 + i % 7), py.push_back(50 + i % 9);
        py[0] = 10;
        docs.push_back(h), kinds.push_back("C-headers");
        docs.push_back(py), kinds.push_back("Python");
    }
    docs.push_back({10, 10, 60, 61}), kinds.push_back("/usr/share/misc");
    TrainOptions o;
    o.match_theta = 3;
    const auto r = token_rarity(o, docs, kinds, 64);
    QCOMPARE(r.class_names, (std::vector<std::string>{"C-headers", "Python"}));
    QCOMPARE(r.doc_class[0], 0);
    QCOMPARE(r.doc_class[1], 1);
    QCOMPARE(r.doc_class[40], Batcher::kNoDomain);
    // add-one frequencies: token 10 in headers: 501 of 64 + 1000; in Python 21 of 64 + 1000
    QVERIFY(std::abs(r.weight[0][10] - float(std::exp(-std::log(501.0 / 1064) - 3))) < 1e-5);
    QVERIFY(std::abs(r.weight[1][10] - float(std::exp(-std::log(21.0 / 1064) - 3))) < 1e-4);
    QVERIFY(r.weight[1][10] > 20 * r.weight[0][10]);
    // over all the text: 500 + 20 + 2 occurrences of 10 in 2004 tokens (+ 64 add-one)
    QVERIFY(std::abs(r.weight[2][10] - float(std::exp(-std::log(523.0 / 2068) - 3))) < 1e-5);
    QVERIFY(std::abs(r.neg_log_freq[10] + std::log(523.0 / 2068)) < 1e-9);
    // each query's weight follows the class of the text it was read in
    const auto w = r.match_weights({10, 10, 10}, {0, 1, Batcher::kNoDomain});
    QCOMPARE(w[0], r.weight[0][10]);
    QCOMPARE(w[1], r.weight[1][10]);
    QCOMPARE(w[2], r.weight[2][10]);
    // the matchers start at the average over occurrences: 500 in headers, 20 in Python,
    // 2 in the lone file (over all the text)
    const double avg = (500 * -std::log(501.0 / 1064) + 20 * -std::log(21.0 / 1064) +
                        2 * -std::log(523.0 / 2068)) /
                       522;
    QVERIFY(std::abs(r.init_neg_log_freq[10] - avg) < 1e-9);
    // tokens that are never matches: weight 0 in every class, the weakest matcher start
    std::vector<uint8_t> never(64, 0);
    never[10] = 1;
    const auto n = token_rarity(o, docs, kinds, 64, never);
    for (const auto& row : n.weight)
        QCOMPARE(row[10], 0.0f);
    QCOMPARE(n.init_neg_log_freq[10], 0.0);
    QCOMPARE(n.weight[1][50], r.weight[1][50]);
    QCOMPARE(n.init_neg_log_freq[50], r.init_neg_log_freq[50]);
    QCOMPARE(n.neg_log_freq, r.neg_log_freq); // the unigram baseline is unchanged
    // without domain_rarity every document uses the frequencies over all the text
    o.domain_rarity = false;
    const auto g = token_rarity(o, docs, kinds, 64);
    QVERIFY(g.class_names.empty());
    QCOMPARE(g.doc_class[1], Batcher::kNoDomain);
    QCOMPARE(g.match_weights({10}, {Batcher::kNoDomain})[0], r.weight[2][10]);
    QCOMPARE(g.init_neg_log_freq[10], g.neg_log_freq[10]);

    // The batcher reports each token's class: the kinds' own tokens carry their class,
    // whatever the curriculum does with them (passages, repeats, gaps).
    o.copy_fraction = 0.8;
    Batcher b{o, docs, 1, 64, &r.doc_class};
    std::mt19937_64 rng(3);
    int labelled = 0;
    for (int k = 0; k < 20; ++k) {
        std::vector<int64_t> ids, pos;
        std::vector<int32_t> seq, cls;
        b.build(rng, 300, false, 0.5, &ids, &pos, &seq, &cls);
        QCOMPARE(cls.size(), seq.size());
        QCOMPARE(cls[0], Batcher::kNoDomain); // BOS
        for (size_t i = 1; i < seq.size(); ++i) {
            if (cls[i] == 0) QVERIFY2(seq[i] == 10 || (seq[i] >= 30 && seq[i] < 37), "header");
            if (cls[i] == 1) QVERIFY2(seq[i] == 10 || (seq[i] >= 50 && seq[i] < 59), "python");
            labelled += cls[i] != Batcher::kNoDomain;
        }
    }
    QVERIFY(labelled > 20 * 200); // most tokens are text, not random passages
}

void TestTrainTargets::neverMatchTokens() {
    // train-calculator's tokenizer (vocabulary >= kTypographicMinVocab) has a piece for each
    // typographic character though the text has none; those and byte-fallback, whitespace
    // and punctuation pieces are never matches, letters and digits are.
    QTemporaryDir tmp;
    std::vector<std::string> files;
    std::mt19937_64 rng(5);
    const char* syl[] = {"ka", "lo", "mi",  "ne",  "su",  "ta",  "ri", "po", "de",
                         "ga", "vo", "shi", "ber", "nal", "tor", "ex", "um", "qua"};
    for (int f = 0; f < 24; ++f) {
        const std::string p = tmp.filePath(QString("t%1.txt").arg(f)).toStdString();
        std::ofstream out(p);
        for (int w = 0; w < 1500; ++w) {
            for (uint64_t k = 0, n = 1 + rng() % 4; k < n; ++k)
                out << syl[rng() % std::size(syl)];
            out << (w % 11 == 10 ? ".\n" : w % 5 == 4 ? ", " : " ");
        }
        files.push_back(p);
    }
    TrainOptions o;
    o.out_dir = tmp.filePath("m").toStdString();
    o.text_files = files;
    o.vocab = kTypographicMinVocab;
    o.hidden = 32, o.layers = 1, o.heads = 1, o.kv_heads = 1, o.intermediate = 32;
    o.seq_len = 32, o.batch = 1, o.steps = 1, o.long_steps = 0, o.warmup = 1;
    o.max_positions = 256, o.held_out_fraction = 0.3;
    o.calibration.scales.clear();
    TrainResult r;
    std::string err;
    QVERIFY2(train_calculator(o, {}, &r, &err), err.c_str());
    auto tok = Tokenizer::from_dir(o.out_dir, &err);
    QVERIFY2(tok, err.c_str());
    const auto never = never_match_tokens(*tok);
    QCOMPARE(never.size(), size_t(tok->vocab_size()));
    auto single_piece = [&](const std::string& s) {
        const auto e = tok->encode(s, false);
        int32_t id = -1;
        for (size_t i = 0; i < e.ids.size(); ++i)
            if (tok->token_bytes(e.ids[i]) == s || tok->token_bytes(e.ids[i]) == " " + s)
                id = e.ids[i];
        return id;
    };
    for (const char* s : {"\u201C", "\u2019", "\u2014", "\u2026", "\u00AB"}) {
        const int32_t id = single_piece(s);
        QVERIFY2(id >= 0, s);
        QVERIFY2(never[size_t(id)], s);
    }
    for (const char* s : {"\u00E9", "\u00DF"}) {
        const int32_t id = single_piece(s);
        QVERIFY2(id >= 0, s);
        QVERIFY2(!never[size_t(id)], s);
    }
    int bytes = 0, letters = 0;
    for (int32_t id = 0; id < tok->vocab_size(); ++id) {
        const std::string piece = tok->token_string(id);
        if (byte_fallback_value(piece) >= 0) {
            ++bytes;
            QVERIFY2(never[size_t(id)], piece.c_str());
            continue;
        }
        const std::string b = tok->token_bytes(id);
        if (b == " " || b == "." || b == "," || b == "(" || b == " (")
            QVERIFY2(never[size_t(id)], piece.c_str());
        if (id != tok->bos_id() && id != tok->eos_id() &&
            std::any_of(b.begin(), b.end(), [](char c) { return std::isalnum(uint8_t(c)); })) {
            ++letters;
            QVERIFY2(!never[size_t(id)], piece.c_str());
        }
    }
    QCOMPARE(bytes, 256);
    QVERIFY(letters > 20);
    QVERIFY(never[size_t(tok->bos_id())]);
}

void TestTrainTargets::kindBalancedWindows() {
    // 40 short documents of one kind (50 tokens, ids 10..19, one id per document) and 2 long
    // ones of another (2,000 tokens, ids 40..59, one id per document): picking files
    // uniformly, the long kind fills ~1 window in 21; balanced by kind, about half, and
    // such a window is one piece of one document, where the short kind's are pieced
    // together from several.
    std::vector<std::vector<int32_t>> docs;
    std::vector<std::string> kinds;
    for (int f = 0; f < 40; ++f)
        docs.emplace_back(50, 10 + f % 10), kinds.push_back("Short");
    for (int f = 0; f < 2; ++f)
        docs.emplace_back(2000, 40 + f), kinds.push_back("Long");
    const auto groups = kind_groups(kinds);
    QCOMPARE(groups.size(), size_t(2)); // sorted by kind: Long, Short
    QCOMPARE(groups[0], (std::vector<size_t>{40, 41}));
    QCOMPARE(groups[1].size(), size_t(40));
    TrainOptions o;
    struct Count {
        int long_windows = 0, pieced_short = 0, bad = 0; // bad: wrong size or a mixed long one
    };
    auto count = [&](const std::vector<std::vector<size_t>>* by_kind) {
        Batcher b{o, docs, 1, 64, nullptr, by_kind};
        std::mt19937_64 rng(7);
        Count c;
        for (int k = 0; k < 400; ++k) {
            std::vector<int64_t> ids, pos;
            b.build(rng, 301, true, 1.0, &ids, &pos);
            c.bad += ids.size() != 301;
            const std::set<int64_t> distinct(ids.begin() + 1, ids.end());
            if (*distinct.begin() >= 40) {
                ++c.long_windows;
                c.bad += distinct.size() != 1; // one long document fills the window
            } else {
                c.pieced_short += distinct.size() > 1;
            }
        }
        return c;
    };
    const auto balanced = count(&groups);
    QCOMPARE(balanced.bad, 0);
    QVERIFY2(balanced.long_windows > 160 && balanced.long_windows < 240,
             qPrintable(QString::number(balanced.long_windows)));
    QVERIFY(balanced.pieced_short > 0); // 50-token documents cannot fill 300 tokens alone
    const auto by_file = count(nullptr);
    QCOMPARE(by_file.bad, 0);
    QVERIFY2(by_file.long_windows < 60, qPrintable(QString::number(by_file.long_windows)));
}

void TestTrainTargets::tokenizerInput() {
    // Three kinds in file order: 30,000 bytes of "aaaaaaaaa\n", 20,003 of "bbb" then é (two
    // bytes, so every 4,000-byte cut falls inside one), 30,000 of "c". A 24,000-byte budget
    // in file order is all "a"; shared by kind, 8,000 bytes of each kind, the last piece
    // of a kind allowed to pass its share.
    std::string a, b = "bbb";
    for (int i = 0; i < 3000; ++i)
        a += "aaaaaaaaa\n";
    for (int i = 0; i < 10000; ++i)
        b += "\u00E9";
    const std::vector<std::string> docs{a, b, std::string(30000, 'c')}, kinds{"A", "B", "C"};
    auto lines = [&](bool by_kind) {
        std::ostringstream out;
        write_tokenizer_input(out, docs, kinds, by_kind, 24000);
        std::vector<std::string> v;
        std::istringstream in(out.str());
        for (std::string l; std::getline(in, l);)
            v.push_back(l);
        return v;
    };
    const auto first = lines(false);
    QCOMPARE(first.size(), size_t(6));
    for (const auto& l : first) // all from the first document, newlines made spaces
        QCOMPARE(l, first[0]);
    QCOMPARE(first[0].size(), size_t(4000));
    QCOMPARE(first[0].substr(0, 12), std::string("aaaaaaaaa aa"));
    std::map<char, size_t> per_kind;
    for (const auto& l : lines(true)) {
        QVERIFY(!l.empty() && l.size() <= 4000);
        const char kind = l.find('c') != std::string::npos   ? 'c'
                          : l.find('a') != std::string::npos ? 'a'
                                                             : 'b';
        per_kind[kind] += l.size();
        if (kind == 'b') { // whole characters: no piece starts or ends inside é
            QVERIFY((uint8_t(l.front()) & 0xC0) != 0x80);
            QVERIFY(uint8_t(l.back()) != 0xC3);
        }
    }
    QCOMPARE(per_kind['a'], size_t(8000));
    QCOMPARE(per_kind['c'], size_t(8000));
    QCOMPARE(per_kind['b'], size_t(3999 + 4000 + 4000)); // cuts moved back onto é's first byte
}

QTEST_GUILESS_MAIN(TestTrainTargets)
#include "tst_train_targets.moc"
