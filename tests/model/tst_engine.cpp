// The engine against a deliberately naive float64 reference (materialised attention, LADM
// computed literally from the spec with a fresh softmax per query span), on tiny random
// checkpoints the test writes itself.
#include "core/model/engine.h"
#include "tests/support/tiny_model.h"

#include "tests/support/check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>

#include <nlohmann/json.hpp>

using namespace ladm;
using ladm::test::TinyModelSpec;

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

std::unique_ptr<Engine> open_engine(const std::string& dir, int64_t budget = 0, int64_t chunk = 0) {
    EngineOptions o;
    o.device = "cpu";
    if (budget) o.attention_budget_bytes = budget;
    if (chunk) o.row_chunk = chunk;
    std::string err;
    auto e = Engine::open(dir, o, &err);
    if (!e) std::fprintf(stderr, "%s\n", err.c_str());
    return e;
}

// One folder for the whole run, like the Qt suites' QTemporaryDir member.
check::TempDir g_tmp;

} // namespace

struct ReferenceCase {
    std::string tag;
    TinyModelSpec spec;
    int L;
};

std::vector<ReferenceCase> reference_cases() {
    std::vector<ReferenceCase> rows;
    TinyModelSpec base;
    rows.push_back({"llama gqa 4q/2kv", base, 600});
    {
        TinyModelSpec s = base;
        s.kv_heads = 4;
        s.attention_bias = true;
        rows.push_back({"llama mha, attention_bias", s, 592});
    }
    {
        TinyModelSpec s = base;
        s.model_type = "qwen2";
        s.kv_heads = 1;
        s.rope_theta = 1e6;
        rows.push_back({"qwen2 q/k/v biases, 1 kv head", s, 600});
    }
    {
        TinyModelSpec s = base;
        s.tie_word_embeddings = true;
        rows.push_back({"tied embeddings", s, 577});
    }
    {
        TinyModelSpec s = base;
        s.rope_scaling_json = R"({"type": "linear", "factor": 4.0})";
        rows.push_back({"rope linear", s, 600});
    }
    {
        TinyModelSpec s = base;
        s.max_position_embeddings = 256; // dynamic NTK only applies beyond this
        s.rope_scaling_json = R"({"type": "dynamic", "factor": 2.0})";
        rows.push_back({"rope dynamic", s, 600});
    }
    {
        TinyModelSpec s = base;
        s.hidden = 64;
        s.heads = 4;
        s.rope_theta = 500000.0;
        s.rope_scaling_json = R"({"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                  "high_freq_factor": 4.0, "original_max_position_embeddings": 64})";
        rows.push_back({"rope llama3 (all three bands)", s, 600});
    }
    {
        TinyModelSpec s = base;
        s.model_type = "mistral";
        rows.push_back({"mistral", s, 600});
    }
    {
        TinyModelSpec s = base;
        s.head_dim = 16; // q/o projections are 64 wide while hidden is 32
        rows.push_back({"explicit head_dim", s, 600});
    }
    {
        TinyModelSpec s = base;
        s.dtype = "BF16";
        rows.push_back({"bf16 weights", s, 600});
    }
    {
        TinyModelSpec s = base;
        s.dtype = "F16";
        s.shards = 3;
        rows.push_back({"f16 weights, 3 shards + index", s, 600});
    }
    return rows;
}

// LongPPL's find_key_token loop, literally, on the float64 reference: the long side from
// the whole sequence's log-probabilities, the short side from a fresh reference forward of
// each window.
struct NaiveLcGain {
    double gain = 0, key_fraction = 0;
    double scale = 0;      // mean |log p| of the scored tokens (the gain's tolerance unit)
    int64_t ambiguous = 0; // tokens within 1e-4 of a key-token threshold
};

NaiveLcGain naive_lcgain(const TinyModelSpec& spec, const std::vector<int32_t>& ids,
                         const std::vector<double>& full_logprob, const LcGainParams& p) {
    const int64_t L = int64_t(ids.size()), W = p.window;
    NaiveLcGain r;
    int64_t keys = 0;
    for (int64_t start = 0; start < L - W; start += p.stride) {
        const int64_t end = std::min(L, start + W + p.stride);
        const std::vector<int32_t> win(ids.begin() + start, ids.begin() + end);
        const auto short_ref = test::naive_reference(spec, win, small_params());
        for (int64_t pos = start + W; pos < end; ++pos) {
            const double loss_full = -full_logprob[size_t(pos - 1)];
            const double loss_short = -short_ref.next_logprob[size_t(pos - start - 1)];
            r.gain += loss_short - loss_full;
            r.scale += loss_full;
            if (loss_short - loss_full > p.alpha && loss_full < -p.beta) ++keys;
            if (std::abs(loss_short - loss_full - p.alpha) < 1e-4 ||
                std::abs(loss_full + p.beta) < 1e-4)
                ++r.ambiguous;
        }
    }
    r.gain /= double(L - W);
    r.scale /= double(L - W);
    r.key_fraction = double(keys) / double(L - W);
    return r;
}

LcGainParams small_lcgain() {
    LcGainParams g; // 4 windows over 600 tokens, the last one cut short
    g.window = 256;
    g.stride = 100;
    g.alpha = 0.02;
    g.beta = -6;
    return g;
}

void check_against_reference(const ReferenceCase& row);

TEST_CASE(matchesNaiveReference) {
    for (const auto& row : reference_cases()) {
        std::printf("   %s\n", row.tag.c_str());
        check_against_reference(row);
    }
}

void check_against_reference(const ReferenceCase& row) {
    const TinyModelSpec& spec = row.spec;
    const int L = row.L;
    std::string tag = row.tag;
    std::replace(tag.begin(), tag.end(), ' ', '_');
    const std::string dir = g_tmp.file("m_" + tag);
    CHECK_EQ(test::write_tiny_checkpoint(dir, spec), std::string());
    const auto ids = test::random_ids(L, spec.vocab, 7);
    const LadmParams p = small_params();
    const auto ref = test::naive_reference(spec, ids, p);
    CHECK(!ref.too_short);

    // Small blocks (B = C = 16 rows, 64-row chunks) and one large block: same answers.
    for (int64_t budget : {int64_t(1), int64_t(64) << 20}) {
        auto e = open_engine(dir, budget, budget == 1 ? 64 : 0);
        CHECK(e);
        std::vector<float> hidden;
        std::string err;
        CHECK_MSG(e->hidden_states(ids, &hidden, &err), err.c_str());
        CHECK_EQ(hidden.size(), ref.hidden.size());
        double diff = 0;
        for (size_t i = 0; i < hidden.size(); ++i)
            diff = std::max(diff, std::abs(double(hidden[i]) - ref.hidden[i]));
        const double hrel = diff / max_abs(ref.hidden);
        CHECK_MSG(hrel < 1e-5, "hidden states differ by " << hrel << " relative");

        ScoreOptions so;
        so.keep_layer_matrices = true;
        auto r = e->score(ids, p, so);

        // LongAttn in the same forward: the reference's proportion and uniformity, and CDS
        // bit for bit what it is alone; LongAttn alone (one layer run) gives the same.
        ScoreOptions both;
        both.longattn = true;
        const auto rb = e->score(ids, p, both);
        CHECK_EQ(rb.status, ScoreStatus::Ok);
        CHECK_EQ(rb.cds, r.cds);
        CHECK_EQ(rb.cds_per_layer, r.cds_per_layer);
        CHECK_MSG(rel(rb.longattn_proportion, ref.longattn_proportion) < 1e-5,
                  "LongAttn proportion " << std::setprecision(10) << rb.longattn_proportion
                                         << " vs reference " << ref.longattn_proportion);
        CHECK_MSG(rel(rb.longattn_uniformity, ref.longattn_uniformity) < 1e-5,
                  "LongAttn uniformity " << std::setprecision(10) << rb.longattn_uniformity
                                         << " vs reference " << ref.longattn_uniformity);
        CHECK(ref.longattn_proportion > 0 && ref.longattn_uniformity > 0);
        ScoreOptions only;
        only.cds = false;
        only.longattn = true;
        const auto ro = e->score(ids, p, only);
        CHECK_EQ(ro.status, ScoreStatus::Ok);
        CHECK(rel(ro.longattn_proportion, ref.longattn_proportion) < 1e-5);
        CHECK(rel(ro.longattn_uniformity, ref.longattn_uniformity) < 1e-5);
        CHECK(ro.span_starts.empty());
        CHECK(std::isnan(r.longattn_proportion)); // not asked for: not computed

        // LC gain in the same forward too: CDS and LongAttn the same bit for bit; the gain
        // and the key-token share of LongPPL's loop on the reference; LC gain alone too.
        ScoreOptions all = both;
        all.lcgain = true;
        all.lcgain_params = small_lcgain();
        const auto ra = e->score(ids, p, all);
        CHECK_EQ(ra.status, ScoreStatus::Ok);
        CHECK_EQ(ra.cds, r.cds);
        CHECK_EQ(ra.cds_per_layer, r.cds_per_layer);
        CHECK_EQ(ra.longattn_proportion, rb.longattn_proportion);
        CHECK_EQ(ra.longattn_uniformity, rb.longattn_uniformity);
        const auto lc = naive_lcgain(spec, ids, ref.next_logprob, small_lcgain());
        CHECK_EQ(ra.lcgain_tokens, int64_t(L) - small_lcgain().window);
        CHECK_MSG(std::abs(ra.lcgain - lc.gain) <= 1e-6 * lc.scale,
                  "LC gain " << std::setprecision(10) << ra.lcgain << " vs reference " << lc.gain
                             << " (log p scale " << lc.scale << ")");
        CHECK(lc.key_fraction > 0 && lc.key_fraction < 1); // the threshold separates something
        CHECK_MSG(std::abs(ra.lcgain_key_fraction - lc.key_fraction) * double(ra.lcgain_tokens) <=
                      double(lc.ambiguous),
                  "key-token share " << ra.lcgain_key_fraction << " vs reference "
                                     << lc.key_fraction);
        ScoreOptions lc_only;
        lc_only.cds = false;
        lc_only.lcgain = true;
        lc_only.lcgain_params = small_lcgain();
        const auto rl = e->score(ids, p, lc_only);
        CHECK_EQ(rl.status, ScoreStatus::Ok);
        CHECK(std::abs(rl.lcgain - lc.gain) <= 1e-6 * lc.scale); // other blocks: not bitwise
        CHECK_MSG(std::abs(rl.lcgain_key_fraction - lc.key_fraction) * double(rl.lcgain_tokens) <=
                      double(lc.ambiguous),
                  "alone, key-token share " << rl.lcgain_key_fraction);
        CHECK(rl.span_starts.empty());
        CHECK_EQ(r.status, ScoreStatus::Ok);
        CHECK_EQ(r.tokens, int64_t(L));
        CHECK_EQ(r.span_starts, ref.span_starts);
        CHECK_MSG(rel(r.cds, ref.cds) < 1e-5,
                  "CDS " << std::setprecision(10) << r.cds << " vs reference " << ref.cds);
        CHECK(r.cds > 0);
        CHECK_EQ(r.cds_per_layer.size(), ref.cds_per_layer.size());
        for (size_t l = 0; l < ref.cds_per_layer.size(); ++l)
            CHECK(rel(r.cds_per_layer[l], ref.cds_per_layer[l]) < 1e-5);
        for (size_t i = 0; i < ref.afs.size(); ++i)
            CHECK(rel(r.afs[i], ref.afs[i]) < 1e-4);

        // Span x window matrix: each row sums to C, nothing at or after the span, and the
        // PFS windows of layer 0 match the reference's PFS.
        WindowGrid g(L, p.span);
        CHECK_EQ(r.windows, g.count());
        CHECK_EQ(r.layer_span_mass.size(), size_t(spec.layers));
        for (size_t si = 0; si < r.span_starts.size(); ++si) {
            const int64_t t = r.span_starts[si];
            double sum = 0;
            for (int64_t w = 0; w < g.count(); ++w) {
                const float m = r.span_mass[si * size_t(g.count()) + size_t(w)];
                if (w >= g.index_of(t)) CHECK_EQ(m, 0.f);
                sum += m;
            }
            CHECK(std::abs(sum - p.span) < 1e-3);
            for (size_t k = 0; k < ref.pfs[si].size(); ++k) {
                const int64_t w = g.index_of(t - int64_t(k + 1) * p.interval());
                const double got = r.layer_span_mass[0][si * size_t(g.count()) + size_t(w)];
                CHECK(std::abs(got - ref.pfs[si][k]) < 1e-5);
            }
        }
    }
}

void check_ablation(Ablation ablation);

TEST_CASE(ablations) {
    for (Ablation ablation : {Ablation::NoStd, Ablation::NoLenWeight})
        check_ablation(ablation);
}

void check_ablation(Ablation ablation) {
    TinyModelSpec spec;
    spec.seed = 11;
    const std::string dir = g_tmp.file("ablation");
    if (!std::filesystem::exists(dir + "/config.json")) test::write_tiny_checkpoint(dir, spec);
    const auto ids = test::random_ids(500, spec.vocab, 3);
    auto e = open_engine(dir);
    CHECK(e);
    const auto p = small_params(ablation);
    auto ref = test::naive_reference(spec, ids, p);
    auto r = e->score(ids, p);
    CHECK_EQ(r.status, ScoreStatus::Ok);
    CHECK_MSG(rel(r.cds, ref.cds) < 1e-5, r.cds << " vs " << ref.cds);
    // and the ablation really changes the score
    auto full = e->score(ids, small_params());
    CHECK(rel(full.cds, r.cds) > 1e-3);
}

TEST_CASE(handWorkedUniformAttention) {
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
    const std::string dir = g_tmp.file("uniform");
    test::write_tiny_checkpoint(dir, spec);
    auto e = open_engine(dir);
    CHECK(e);
    LadmParams p;
    p.span = 2;
    p.d_afs = 1;
    p.d_cds = 1;
    p.ablation = Ablation::NoStd;
    const auto ids = test::random_ids(16, spec.vocab, 5);
    auto r = e->score(ids, p);
    CHECK_EQ(r.status, ScoreStatus::Ok);
    CHECK_EQ(r.span_starts, (std::vector<int64_t>{14, 12}));
    CHECK(std::abs(r.afs[0] - 0.65625) < 1e-6);
    CHECK(std::abs(r.afs[1] - 0.46875) < 1e-6);
    CHECK(std::abs(r.cds - 0.5625) < 1e-6);
    for (double c : r.cds_per_layer)
        CHECK(std::abs(c - 0.5625) < 1e-6);
    // Window masses: 2/14 * 2 on each of the 7 cells before t = 14.
    for (int64_t w = 0; w < 7; ++w)
        CHECK(std::abs(r.span_mass[size_t(w)] - 2.0 / 7.0) < 1e-6);
    p.ablation = Ablation::None;
    CHECK(std::abs(e->score(ids, p).cds) < 1e-6);
}

TEST_CASE(tooShortBoundary) {
    TinyModelSpec spec;
    spec.hidden = 16;
    spec.heads = 2;
    spec.kv_heads = 1;
    spec.layers = 1;
    spec.intermediate = 16;
    const std::string dir = g_tmp.file("boundary");
    test::write_tiny_checkpoint(dir, spec);
    auto e = open_engine(dir);
    CHECK(e);
    const LadmParams defaults;
    auto ids = test::random_ids(2305, spec.vocab, 9);
    auto r = e->score(ids, defaults);
    CHECK_EQ(r.status, ScoreStatus::Ok);
    CHECK_EQ(r.span_starts, (std::vector<int64_t>{2177}));
    auto ref = test::naive_reference(spec, ids, defaults);
    CHECK(rel(r.cds, ref.cds) < 1e-5);

    ids.pop_back();
    auto s = e->score(ids, defaults);
    CHECK_EQ(s.status, ScoreStatus::TooShort);
    CHECK(s.span_starts.empty());
    CHECK_EQ(s.tokens, int64_t(2304));
}

TEST_CASE(truncatesToMaxLen) {
    TinyModelSpec spec;
    const std::string dir = g_tmp.file("trunc");
    test::write_tiny_checkpoint(dir, spec);
    auto e = open_engine(dir);
    CHECK(e);
    auto ids = test::random_ids(700, spec.vocab, 4);
    LadmParams p = small_params();
    p.max_len = 400;
    auto r = e->score(ids, p);
    CHECK_EQ(r.status, ScoreStatus::Ok);
    CHECK_EQ(r.tokens, int64_t(400));
    CHECK_EQ(r.original_tokens, int64_t(700));
    std::vector<int32_t> head(ids.begin(), ids.begin() + 400);
    auto ref = test::naive_reference(spec, head, p);
    CHECK(rel(r.cds, ref.cds) < 1e-5);
}

TEST_CASE(badTokenIdAndCancel) {
    TinyModelSpec spec;
    const std::string dir = g_tmp.file("bad");
    test::write_tiny_checkpoint(dir, spec);
    auto e = open_engine(dir);
    CHECK(e);
    auto ids = test::random_ids(300, spec.vocab, 4);
    ids[123] = int32_t(spec.vocab);
    auto r = e->score(ids, small_params());
    CHECK_EQ(r.status, ScoreStatus::Error);
    CHECK_MSG(r.error.find("position 123") != std::string::npos, r.error.c_str());

    ids[123] = 0;
    ScoreOptions so;
    int calls = 0;
    so.progress = [&](int done, int total) {
        ++calls;
        return done < 1; // cancel after the first layer
    };
    auto c = e->score(ids, small_params(), so);
    CHECK_EQ(c.status, ScoreStatus::Error);
    CHECK_EQ(c.error, std::string("cancelled"));
    CHECK_EQ(calls, 1);
    // and the engine is still usable afterwards
    CHECK_EQ(e->score(ids, small_params()).status, ScoreStatus::Ok);
}

TEST_CASE(fingerprintTracksContent) {
    TinyModelSpec a, b;
    b.seed = 2;
    const std::string da = g_tmp.file("fa"), da2 = g_tmp.file("fa2"), db = g_tmp.file("fb");
    test::write_tiny_checkpoint(da, a);
    test::write_tiny_checkpoint(da2, a);
    b.rope_theta = 20000; // a config change, same tensor headers
    test::write_tiny_checkpoint(db, b);
    auto ea = open_engine(da), ea2 = open_engine(da2), eb = open_engine(db);
    CHECK(ea && ea2 && eb);
    CHECK_EQ(ea->info().fingerprint, ea2->info().fingerprint);
    CHECK(ea->info().fingerprint != eb->info().fingerprint);
    CHECK_EQ(ea->info().fingerprint.size(), size_t(32));
}

TEST_CASE(queryScale) {
    // query_scale multiplies every attention logit: the model with its queries x2 scores as
    // the naive reference of the same draws with q and k gains x sqrt(2) (logits x 2).
    TinyModelSpec spec, sharper;
    sharper.qk_gain = spec.qk_gain * std::sqrt(2.0);
    const std::string dir = g_tmp.file("qscale");
    CHECK_EQ(test::write_tiny_checkpoint(dir, spec), std::string());
    const auto ids = test::random_ids(700, spec.vocab, 5);
    const LadmParams p = small_params();
    const auto ref = test::naive_reference(sharper, ids, p);
    CHECK(!ref.too_short);
    EngineOptions o;
    o.device = "cpu";
    o.query_scale = 2.0;
    std::string err;
    auto scaled = Engine::open(dir, o, &err);
    CHECK_MSG(scaled, err.c_str());
    auto plain = open_engine(dir);
    CHECK(plain);
    const auto a = scaled->score(ids, p), b = plain->score(ids, p);
    CHECK_EQ(a.status, ScoreStatus::Ok);
    CHECK_MSG(rel(a.cds, ref.cds) < 1e-5,
              "CDS " << std::setprecision(10) << a.cds << " vs reference " << ref.cds);
    CHECK(rel(b.cds, ref.cds) > 1e-3); // the unscaled model scores otherwise
    // cached scores of the plain model are not taken for the scaled one's
    CHECK(scaled->info().fingerprint != plain->info().fingerprint);
    for (double bad : {0.0, -1.0, std::nan("")}) {
        o.query_scale = bad;
        CHECK(!Engine::open(dir, o, &err));
        CHECK_MSG(err.find("query scale") != std::string::npos, err.c_str());
        CHECK_MSG(err.find(dir) != std::string::npos, err.c_str()); // which model
    }
}

CHECK_MAIN()

TEST_CASE(lcgainBoundaryAndHead) {
    TinyModelSpec spec;
    spec.tie_word_embeddings = true;
    const std::string dir = g_tmp.file("lc_head");
    CHECK_EQ(test::write_tiny_checkpoint(dir, spec), std::string());
    auto e = open_engine(dir);
    CHECK(e);
    LcGainParams g = small_lcgain();
    ScoreOptions lc_only;
    lc_only.cds = false;
    lc_only.lcgain = true;
    lc_only.lcgain_params = g;
    // window + 1 tokens: one scored token; window tokens: nothing to score.
    auto ids = test::random_ids(g.window + 1, spec.vocab, 12);
    auto r = e->score(ids, small_params(), lc_only);
    CHECK_EQ(r.status, ScoreStatus::Ok);
    CHECK_EQ(r.lcgain_tokens, int64_t(1));
    const auto ref = test::naive_reference(spec, ids, small_params());
    const auto lc = naive_lcgain(spec, ids, ref.next_logprob, g);
    CHECK(std::abs(r.lcgain - lc.gain) <= 1e-6 * lc.scale);
    ids.pop_back();
    r = e->score(ids, small_params(), lc_only);
    CHECK_EQ(r.status, ScoreStatus::TooShort);
    CHECK(std::isnan(r.lcgain));
    // With CDS as well, the sample is scored and only LC gain is left out.
    ScoreOptions with_cds = lc_only;
    with_cds.cds = true;
    r = e->score(ids, small_params(), with_cds);
    CHECK_EQ(r.status, ScoreStatus::Ok);
    CHECK_EQ(r.lcgain_tokens, int64_t(0));
    CHECK(std::isnan(r.lcgain));
    // Impossible parameters are refused with their name.
    g.stride = 0;
    std::string err;
    lc_only.lcgain_params = g;
    CHECK(!e->prepare(lc_only, &err));
    CHECK_MSG(err.find("stride") != std::string::npos, err.c_str());
    r = e->score(ids, small_params(), lc_only);
    CHECK_EQ(r.status, ScoreStatus::Error);

    // No lm_head.weight and embeddings not tied: the LM head is missing, and the message
    // names the folder and the tensor; CDS alone still works.
    nlohmann::json cfg = nlohmann::json::parse(std::ifstream(dir + "/config.json"));
    CHECK(cfg["tie_word_embeddings"] == true);
    cfg["tie_word_embeddings"] = false;
    std::ofstream(dir + "/config.json") << cfg.dump(2);
    auto untied = open_engine(dir);
    CHECK(untied);
    lc_only.lcgain_params = small_lcgain();
    CHECK(!untied->prepare(lc_only, &err));
    CHECK_MSG(err.find(dir) != std::string::npos && err.find("lm_head.weight") != std::string::npos,
              err.c_str());
    ids.push_back(1);
    CHECK_EQ(untied->score(ids, small_params(), lc_only).status, ScoreStatus::Error);
    CHECK_EQ(untied->score(ids, small_params()).status, ScoreStatus::Ok);
}
