// The engine against a deliberately naive float64 reference (materialised attention, LADM
// computed literally from the spec with a fresh softmax per query span), on tiny random
// checkpoints the test writes itself.
#include "core/engine.h"
#include "tests/support/tiny_model.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace ladm;
using ladm::test::TinyModelSpec;

Q_DECLARE_METATYPE(TinyModelSpec)

namespace {

double max_abs(const std::vector<double>& v) {
    double m = 0;
    for (double x : v)
        m = std::max(m, std::abs(x));
    return m;
}

double rel(double a, double b) {
    return std::abs(a - b) / std::max(std::abs(b), 1e-30);
}

LadmParams small_params(Ablation a = Ablation::None) {
    LadmParams p; // C = 16, I = S = 32, K0 = 16: spans need t > 144
    p.span = 16;
    p.d_afs = 2;
    p.d_cds = 2;
    p.ablation = a;
    return p;
}

std::unique_ptr<Engine> open_engine(const QString& dir, int64_t budget = 0, int64_t chunk = 0) {
    EngineOptions o;
    o.device = "cpu";
    if (budget) o.attention_budget_bytes = budget;
    if (chunk) o.row_chunk = chunk;
    std::string err;
    auto e = Engine::open(dir.toStdString(), o, &err);
    if (!e) qWarning("%s", err.c_str());
    return e;
}

} // namespace

class TestEngine : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void matchesNaiveReference_data();
    void matchesNaiveReference();
    void ablations_data();
    void ablations();
    void handWorkedUniformAttention();
    void tooShortBoundary();
    void truncatesToMaxLen();
    void badTokenIdAndCancel();
    void fingerprintTracksContent();
    void queryScale();

  private:
    QTemporaryDir m_tmp;
};

void TestEngine::matchesNaiveReference_data() {
    QTest::addColumn<TinyModelSpec>("spec");
    QTest::addColumn<int>("L");
    TinyModelSpec base;
    QTest::newRow("llama gqa 4q/2kv") << base << 600;
    {
        TinyModelSpec s = base;
        s.kv_heads = 4;
        s.attention_bias = true;
        QTest::newRow("llama mha, attention_bias") << s << 592;
    }
    {
        TinyModelSpec s = base;
        s.model_type = "qwen2";
        s.kv_heads = 1;
        s.rope_theta = 1e6;
        QTest::newRow("qwen2 q/k/v biases, 1 kv head") << s << 600;
    }
    {
        TinyModelSpec s = base;
        s.tie_word_embeddings = true;
        QTest::newRow("tied embeddings") << s << 577;
    }
    {
        TinyModelSpec s = base;
        s.rope_scaling_json = R"({"type": "linear", "factor": 4.0})";
        QTest::newRow("rope linear") << s << 600;
    }
    {
        TinyModelSpec s = base;
        s.max_position_embeddings = 256; // dynamic NTK only applies beyond this
        s.rope_scaling_json = R"({"type": "dynamic", "factor": 2.0})";
        QTest::newRow("rope dynamic") << s << 600;
    }
    {
        TinyModelSpec s = base;
        s.hidden = 64;
        s.heads = 4;
        s.rope_theta = 500000.0;
        s.rope_scaling_json = R"({"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                  "high_freq_factor": 4.0, "original_max_position_embeddings": 64})";
        QTest::newRow("rope llama3 (all three bands)") << s << 600;
    }
    {
        TinyModelSpec s = base;
        s.model_type = "mistral";
        QTest::newRow("mistral") << s << 600;
    }
    {
        TinyModelSpec s = base;
        s.head_dim = 16; // q/o projections are 64 wide while hidden is 32
        QTest::newRow("explicit head_dim") << s << 600;
    }
    {
        TinyModelSpec s = base;
        s.dtype = "BF16";
        QTest::newRow("bf16 weights") << s << 600;
    }
    {
        TinyModelSpec s = base;
        s.dtype = "F16";
        s.shards = 3;
        QTest::newRow("f16 weights, 3 shards + index") << s << 600;
    }
}

void TestEngine::matchesNaiveReference() {
    QFETCH(TinyModelSpec, spec);
    QFETCH(int, L);
    const QString dir =
        m_tmp.filePath(QString("m_%1").arg(QTest::currentDataTag()).replace(' ', '_'));
    QCOMPARE(QString::fromStdString(test::write_tiny_checkpoint(dir.toStdString(), spec)),
             QString());
    const auto ids = test::random_ids(L, spec.vocab, 7);
    const LadmParams p = small_params();
    const auto ref = test::naive_reference(spec, ids, p);
    QVERIFY(!ref.too_short);

    // Small blocks (B = C = 16 rows, 64-row chunks) and one large block: same answers.
    for (int64_t budget : {int64_t(1), int64_t(64) << 20}) {
        auto e = open_engine(dir, budget, budget == 1 ? 64 : 0);
        QVERIFY(e);
        std::vector<float> hidden;
        std::string err;
        QVERIFY2(e->hidden_states(ids, &hidden, &err), err.c_str());
        QCOMPARE(hidden.size(), ref.hidden.size());
        double diff = 0;
        for (size_t i = 0; i < hidden.size(); ++i)
            diff = std::max(diff, std::abs(double(hidden[i]) - ref.hidden[i]));
        const double hrel = diff / max_abs(ref.hidden);
        QVERIFY2(hrel < 1e-5, qPrintable(QString("hidden states differ by %1 relative").arg(hrel)));

        ScoreOptions so;
        so.keep_layer_matrices = true;
        auto r = e->score(ids, p, so);
        QCOMPARE(r.status, ScoreStatus::Ok);
        QCOMPARE(r.tokens, int64_t(L));
        QCOMPARE(r.span_starts, ref.span_starts);
        QVERIFY2(
            rel(r.cds, ref.cds) < 1e-5,
            qPrintable(
                QString("CDS %1 vs reference %2").arg(r.cds, 0, 'g', 10).arg(ref.cds, 0, 'g', 10)));
        QVERIFY(r.cds > 0);
        QCOMPARE(r.cds_per_layer.size(), ref.cds_per_layer.size());
        for (size_t l = 0; l < ref.cds_per_layer.size(); ++l)
            QVERIFY(rel(r.cds_per_layer[l], ref.cds_per_layer[l]) < 1e-5);
        for (size_t i = 0; i < ref.afs.size(); ++i)
            QVERIFY(rel(r.afs[i], ref.afs[i]) < 1e-4);

        // Span x window matrix: each row sums to C, nothing at or after the span, and the
        // PFS windows of layer 0 match the reference's PFS.
        WindowGrid g(L, p.span);
        QCOMPARE(r.windows, g.count());
        QCOMPARE(r.layer_span_mass.size(), size_t(spec.layers));
        for (size_t si = 0; si < r.span_starts.size(); ++si) {
            const int64_t t = r.span_starts[si];
            double sum = 0;
            for (int64_t w = 0; w < g.count(); ++w) {
                const float m = r.span_mass[si * size_t(g.count()) + size_t(w)];
                if (w >= g.index_of(t)) QCOMPARE(m, 0.f);
                sum += m;
            }
            QVERIFY(std::abs(sum - p.span) < 1e-3);
            for (size_t k = 0; k < ref.pfs[si].size(); ++k) {
                const int64_t w = g.index_of(t - int64_t(k + 1) * p.interval());
                const double got = r.layer_span_mass[0][si * size_t(g.count()) + size_t(w)];
                QVERIFY(std::abs(got - ref.pfs[si][k]) < 1e-5);
            }
        }
    }
}

void TestEngine::ablations_data() {
    QTest::addColumn<int>("ablation");
    QTest::newRow("no_std") << int(Ablation::NoStd);
    QTest::newRow("no_len_weight") << int(Ablation::NoLenWeight);
}

void TestEngine::ablations() {
    QFETCH(int, ablation);
    TinyModelSpec spec;
    spec.seed = 11;
    const QString dir = m_tmp.filePath("ablation");
    if (!QFile::exists(dir + "/config.json")) test::write_tiny_checkpoint(dir.toStdString(), spec);
    const auto ids = test::random_ids(500, spec.vocab, 3);
    auto e = open_engine(dir);
    QVERIFY(e);
    const auto p = small_params(Ablation(ablation));
    auto ref = test::naive_reference(spec, ids, p);
    auto r = e->score(ids, p);
    QCOMPARE(r.status, ScoreStatus::Ok);
    QVERIFY2(rel(r.cds, ref.cds) < 1e-5, qPrintable(QString("%1 vs %2").arg(r.cds).arg(ref.cds)));
    // and the ablation really changes the score
    auto full = e->score(ids, small_params());
    QVERIFY(rel(full.cds, r.cds) > 1e-3);
}

void TestEngine::handWorkedUniformAttention() {
    // q and k projections are zero, so every logit is 0 and each span's softmax over the
    // t keys before it is uniform: a[j] = C / t. C = 2, d_afs = d_cds = 1 (I = S = 2, K0 = 2,
    // spans need t > 10), L = 16: spans t = 14 and 12.
    //   t = 14: PFS_k = 2 * 2/14 = 2/7 for k = 1..6 (14 - 2k >= 2)
    //           no_std AFS = (14/16) * sum_k (2/7) * (2k/16) = (14/16) * 0.75 = 0.65625
    //   t = 12: PFS_k = 2 * 2/12 = 1/3 for k = 1..5
    //           no_std AFS = (12/16) * sum_k (1/3) * (2k/16) = (12/16) * 0.625 = 0.46875
    //   CDS (no_std) = mean = 0.5625 in every layer. With sigma: all PFS equal, so CDS = 0.
    TinyModelSpec spec;
    spec.zero_attention = true;
    spec.layers = 3;
    const QString dir = m_tmp.filePath("uniform");
    test::write_tiny_checkpoint(dir.toStdString(), spec);
    auto e = open_engine(dir);
    QVERIFY(e);
    LadmParams p;
    p.span = 2;
    p.d_afs = 1;
    p.d_cds = 1;
    p.ablation = Ablation::NoStd;
    const auto ids = test::random_ids(16, spec.vocab, 5);
    auto r = e->score(ids, p);
    QCOMPARE(r.status, ScoreStatus::Ok);
    QCOMPARE(r.span_starts, (std::vector<int64_t>{14, 12}));
    QVERIFY(std::abs(r.afs[0] - 0.65625) < 1e-6);
    QVERIFY(std::abs(r.afs[1] - 0.46875) < 1e-6);
    QVERIFY(std::abs(r.cds - 0.5625) < 1e-6);
    for (double c : r.cds_per_layer)
        QVERIFY(std::abs(c - 0.5625) < 1e-6);
    // Window masses: 2/14 * 2 on each of the 7 cells before t = 14.
    for (int64_t w = 0; w < 7; ++w)
        QVERIFY(std::abs(r.span_mass[size_t(w)] - 2.0 / 7.0) < 1e-6);
    p.ablation = Ablation::None;
    QVERIFY(std::abs(e->score(ids, p).cds) < 1e-6);
}

void TestEngine::tooShortBoundary() {
    TinyModelSpec spec;
    spec.hidden = 16;
    spec.heads = 2;
    spec.kv_heads = 1;
    spec.layers = 1;
    spec.intermediate = 16;
    const QString dir = m_tmp.filePath("boundary");
    test::write_tiny_checkpoint(dir.toStdString(), spec);
    auto e = open_engine(dir);
    QVERIFY(e);
    const LadmParams defaults;
    auto ids = test::random_ids(2305, spec.vocab, 9);
    auto r = e->score(ids, defaults);
    QCOMPARE(r.status, ScoreStatus::Ok);
    QCOMPARE(r.span_starts, (std::vector<int64_t>{2177}));
    auto ref = test::naive_reference(spec, ids, defaults);
    QVERIFY(rel(r.cds, ref.cds) < 1e-5);

    ids.pop_back();
    auto s = e->score(ids, defaults);
    QCOMPARE(s.status, ScoreStatus::TooShort);
    QVERIFY(s.span_starts.empty());
    QCOMPARE(s.tokens, int64_t(2304));
}

void TestEngine::truncatesToMaxLen() {
    TinyModelSpec spec;
    const QString dir = m_tmp.filePath("trunc");
    test::write_tiny_checkpoint(dir.toStdString(), spec);
    auto e = open_engine(dir);
    QVERIFY(e);
    auto ids = test::random_ids(700, spec.vocab, 4);
    LadmParams p = small_params();
    p.max_len = 400;
    auto r = e->score(ids, p);
    QCOMPARE(r.status, ScoreStatus::Ok);
    QCOMPARE(r.tokens, int64_t(400));
    QCOMPARE(r.original_tokens, int64_t(700));
    std::vector<int32_t> head(ids.begin(), ids.begin() + 400);
    auto ref = test::naive_reference(spec, head, p);
    QVERIFY(rel(r.cds, ref.cds) < 1e-5);
}

void TestEngine::badTokenIdAndCancel() {
    TinyModelSpec spec;
    const QString dir = m_tmp.filePath("bad");
    test::write_tiny_checkpoint(dir.toStdString(), spec);
    auto e = open_engine(dir);
    QVERIFY(e);
    auto ids = test::random_ids(300, spec.vocab, 4);
    ids[123] = int32_t(spec.vocab);
    auto r = e->score(ids, small_params());
    QCOMPARE(r.status, ScoreStatus::Error);
    QVERIFY2(r.error.find("position 123") != std::string::npos, r.error.c_str());

    ids[123] = 0;
    ScoreOptions so;
    int calls = 0;
    so.progress = [&](int done, int total) {
        ++calls;
        return done < 1; // cancel after the first layer
    };
    auto c = e->score(ids, small_params(), so);
    QCOMPARE(c.status, ScoreStatus::Error);
    QCOMPARE(QString::fromStdString(c.error), QString("cancelled"));
    QCOMPARE(calls, 1);
    // and the engine is still usable afterwards
    QCOMPARE(e->score(ids, small_params()).status, ScoreStatus::Ok);
}

void TestEngine::fingerprintTracksContent() {
    TinyModelSpec a, b;
    b.seed = 2;
    const QString da = m_tmp.filePath("fa"), da2 = m_tmp.filePath("fa2"), db = m_tmp.filePath("fb");
    test::write_tiny_checkpoint(da.toStdString(), a);
    test::write_tiny_checkpoint(da2.toStdString(), a);
    b.rope_theta = 20000; // a config change, same tensor headers
    test::write_tiny_checkpoint(db.toStdString(), b);
    auto ea = open_engine(da), ea2 = open_engine(da2), eb = open_engine(db);
    QVERIFY(ea && ea2 && eb);
    QCOMPARE(ea->info().fingerprint, ea2->info().fingerprint);
    QVERIFY(ea->info().fingerprint != eb->info().fingerprint);
    QCOMPARE(ea->info().fingerprint.size(), size_t(32));
}

void TestEngine::queryScale() {
    // query_scale multiplies every attention logit: the model with its queries x2 scores as
    // the naive reference of the same draws with q and k gains x sqrt(2) (logits x 2).
    TinyModelSpec spec, sharper;
    sharper.qk_gain = spec.qk_gain * std::sqrt(2.0);
    const QString dir = m_tmp.filePath("qscale");
    QCOMPARE(QString::fromStdString(test::write_tiny_checkpoint(dir.toStdString(), spec)),
             QString());
    const auto ids = test::random_ids(700, spec.vocab, 5);
    const LadmParams p = small_params();
    const auto ref = test::naive_reference(sharper, ids, p);
    QVERIFY(!ref.too_short);
    EngineOptions o;
    o.device = "cpu";
    o.query_scale = 2.0;
    std::string err;
    auto scaled = Engine::open(dir.toStdString(), o, &err);
    QVERIFY2(scaled, err.c_str());
    auto plain = open_engine(dir);
    QVERIFY(plain);
    const auto a = scaled->score(ids, p), b = plain->score(ids, p);
    QCOMPARE(a.status, ScoreStatus::Ok);
    QVERIFY2(
        rel(a.cds, ref.cds) < 1e-5,
        qPrintable(
            QString("CDS %1 vs reference %2").arg(a.cds, 0, 'g', 10).arg(ref.cds, 0, 'g', 10)));
    QVERIFY(rel(b.cds, ref.cds) > 1e-3); // the unscaled model scores otherwise
    // cached scores of the plain model are not taken for the scaled one's
    QVERIFY(scaled->info().fingerprint != plain->info().fingerprint);
    for (double bad : {0.0, -1.0, std::nan("")}) {
        o.query_scale = bad;
        QVERIFY(!Engine::open(dir.toStdString(), o, &err));
        QVERIFY2(err.find("query scale") != std::string::npos, err.c_str());
        QVERIFY2(err.find(dir.toStdString()) != std::string::npos, err.c_str()); // which model
    }
}

QTEST_APPLESS_MAIN(TestEngine)
#include "tst_engine.moc"
