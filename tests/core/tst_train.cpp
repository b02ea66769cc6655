// The calculator training command on a tiny configuration: loss goes down, the exported
// checkpoint loads through the engine and gives the same held-out loss as the training
// forward, and a second run resumes from the saved state.
#include "core/calculator_calibrate.h"
#include "core/calculator_curriculum.h"
#include "core/calculator_eval.h"
#include "core/calculator_train.h"
#include "core/engine.h"
#include "core/safetensors.h"
#include "core/source_text.h"
#include "core/tokenizer.h"

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

class TestTrain : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void trainExportResume();
    void rocAuc();
    void textFilesAndSplit();
    void retrievalTargets();
    void farAttentionCe();
    void splicedControl();
    void matcherInit();
    void tokenRarityByDomain();
    void targetAttentionCds();
};

void TestTrain::trainExportResume() {
    QTemporaryDir tmp;
    // Some text with structure to learn: repeated phrases with varying names and numbers.
    std::vector<std::string> files;
    std::mt19937_64 rng(3);
    const char* names[] = {"alpha", "beta", "gamma", "delta", "kappa", "sigma", "omega", "theta"};
    for (int f = 0; f < 24; ++f) {
        const std::string p = tmp.filePath(QString("doc%1.txt").arg(f)).toStdString();
        std::ofstream out(p);
        for (int l = 0; l < 120; ++l)
            out << "the value of " << names[rng() % 8] << " is " << rng() % 100 << " and the "
                << names[rng() % 8] << " follows the " << names[rng() % 8] << ".\n";
        files.push_back(p);
    }
    TrainOptions o;
    o.out_dir = tmp.filePath("calc").toStdString();
    o.text_files = files;
    o.vocab = 400;
    o.hidden = 32;
    o.layers = 2;
    o.heads = 2;
    o.kv_heads = 1;
    o.intermediate = 64;
    o.seq_len = 256; // long enough for repeated-passage sequences (and their supervision)
    o.batch = 4;
    o.steps = 40;
    o.long_steps = 0; // the long phase comes with the resume below
    o.lr = 3e-3;
    o.warmup = 5;
    o.max_positions = 1024;
    o.checkpoint_every = 10;
    o.export_bf16 = false;
    o.held_out_fraction = 0.2;
    o.calibration.scales.clear(); // the resume below calibrates

    std::vector<TrainProgress> seen;
    TrainResult r;
    std::string err;
    QVERIFY2(train_calculator(
                 o,
                 [&](const TrainProgress& p) {
                     seen.push_back(p);
                     return true;
                 },
                 &r, &err),
             err.c_str());
    QCOMPARE(r.steps_done, 40);
    QCOMPARE(int(seen.size()), 4);
    QVERIFY2(seen.back().loss < seen.front().loss - 0.3,
             qPrintable(QString("loss %1 -> %2").arg(seen.front().loss).arg(seen.back().loss)));
    // the long-range attention supervision (rarity-weighted same-token targets) is learnt
    QVERIFY(seen.front().retrieval_loss > 0);
    QVERIFY2(seen.back().retrieval_loss < seen.front().retrieval_loss - 0.1,
             qPrintable(QString("retrieval loss %1 -> %2")
                            .arg(seen.front().retrieval_loss)
                            .arg(seen.back().retrieval_loss)));
    QVERIFY(r.held_out_loss > 0);
    // the tokenizer does not record where DIR was (same command, same file anywhere)
    {
        std::ifstream in(o.out_dir + "/tokenizer.model", std::ios::binary);
        const std::string model((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
        QVERIFY(model.size() > 1000);
        QVERIFY(model.find(tmp.path().toStdString()) == std::string::npos);
        QVERIFY(!QFile::exists(QString::fromStdString(o.out_dir + "/train-state/tokenizer.model")));
    }
    // which text was used, and how it was split, is recorded beside the model
    {
        std::ifstream src(o.out_dir + "/training-sources.txt");
        std::string all((std::istreambuf_iterator<char>(src)), std::istreambuf_iterator<char>());
        for (const auto& f : files)
            QVERIFY2(all.find(" " + f + "\n") != std::string::npos, f.c_str());
        QVERIFY(all.find("\nheld-out ") != std::string::npos);
        QVERIFY(all.find("\ntrain ") != std::string::npos);
    }
    QVERIFY2(
        std::abs(r.held_out_loss_engine - r.held_out_loss) < 1e-4 * r.held_out_loss,
        qPrintable(
            QString("engine %1 vs training %2").arg(r.held_out_loss_engine).arg(r.held_out_loss)));

    // The folder is a checkpoint like any other: the engine and the tokenizer open it.
    auto tok = Tokenizer::from_dir(o.out_dir, &err);
    QVERIFY2(tok, err.c_str());
    QCOMPARE(QString::fromStdString(tok->kind()), QString("sentencepiece"));
    QVERIFY(tok->adds_bos());
    EngineOptions eo;
    eo.device = "cpu";
    auto engine = Engine::open(o.out_dir, eo, &err);
    QVERIFY2(engine, err.c_str());
    QCOMPARE(engine->info().config.vocab_size, int64_t(tok->vocab_size()));
    QVERIFY(engine->info().config.tie_word_embeddings);

    // The held-out loss is measured on the same tokens whatever the seed (was: a generator
    // seeded from --seed, so seeds were compared on different text). Same tokenizer (kept
    // when DIR has one), another seed: the unigram baseline, which depends only on those
    // tokens, is identical, the model's loss is not.
    QCOMPARE(r.held_out_tokens, int64_t(kHeldOutSequences) * (o.seq_len - 1));
    {
        TrainOptions o2 = o;
        o2.out_dir = tmp.filePath("calc-seed2").toStdString();
        o2.seed = 2;
        o2.steps = 10;
        QVERIFY(QDir().mkpath(QString::fromStdString(o2.out_dir)));
        for (const char* f : {"/tokenizer.model", "/tokenizer_config.json"})
            QVERIFY(QFile::copy(QString::fromStdString(o.out_dir + f),
                                QString::fromStdString(o2.out_dir + f)));
        TrainResult r2;
        QVERIFY2(train_calculator(o2, nullptr, &r2, &err), err.c_str());
        QCOMPARE(r2.held_out_tokens, r.held_out_tokens);
        QCOMPARE(r2.unigram_loss, r.unigram_loss);
        QVERIFY(r2.held_out_loss != r.held_out_loss);
    }

    // Options that cannot be trained are refused before anything runs, naming the option
    // (a division by zero or a libtorch shape error otherwise). Each case looks for words
    // only its own message has.
    {
        const std::vector<std::pair<std::string, std::function<void(TrainOptions&)>>> cases = {
            {"long_batch",
             [](TrainOptions& b) {
                 b.long_steps = 10;
                 b.long_batch = 0;
             }},
            {"heads, kv_heads and intermediate must be >= 1", [](TrainOptions& b) { b.heads = 0; }},
            {"even head size", [](TrainOptions& b) { b.hidden = 30; }}, // 15 per head: odd
            {"seq_len must be >= 2", [](TrainOptions& b) { b.seq_len = 1; }},
            {"max_positions",
             [](TrainOptions& b) {
                 b.long_steps = 5;
                 b.long_seq_len = 2048;
             }},
            {"held_out_fraction", [](TrainOptions& b) { b.held_out_fraction = 1; }},
            {"checkpoint_every", [](TrainOptions& b) { b.checkpoint_every = 0; }},
            {"calibration: pairs of 2000 tokens are too short", // span 128 needs > 2304
             [](TrainOptions& b) {
                 b.calibration.scales = {1.0};
                 b.calibration.tokens = {2000};
             }},
            {"calibration: query scales must be finite and > 0",
             [](TrainOptions& b) {
                 b.calibration.scales = {1.0, 0.0};
             }},
        };
        QVERIFY(invalid_train_options(o).empty());
        for (const auto& [name, spoil] : cases) {
            TrainOptions bad = o;
            spoil(bad);
            TrainResult br;
            std::string berr;
            QVERIFY2(!train_calculator(bad, {}, &br, &berr), name.c_str());
            QVERIFY2(berr.find(name) != std::string::npos, (name + ": " + berr).c_str());
            QCOMPARE(br.steps_done, 0);
        }
    }

    // An uncalibrated copy of the export, for the calibration checks at the end.
    const std::string uncal = tmp.filePath("uncalibrated").toStdString();
    QVERIFY(QDir().mkpath(QString::fromStdString(uncal)));
    for (const char* f :
         {"/config.json", "/model.safetensors", "/tokenizer.model", "/tokenizer_config.json"})
        QVERIFY(
            QFile::copy(QString::fromStdString(o.out_dir + f), QString::fromStdString(uncal + f)));

    // Resume: ask for 50 steps and a long phase of 10 steps at twice the length; it
    // continues from the saved step 40, then calibrates the attention temperature.
    CalibrationOptions tiny; // lengths and spans this tiny text can give
    tiny.scales = {1.0, 2.0};
    tiny.tokens = {300};
    tiny.pairs = 4;
    tiny.params.span = 16;
    tiny.params.d_afs = 2;
    tiny.params.d_cds = 2;
    o.calibration = tiny;
    o.steps = 50;
    o.long_steps = 10;
    o.long_seq_len = 512;
    o.long_batch = 1;
    seen.clear();
    QVERIFY2(train_calculator(
                 o,
                 [&](const TrainProgress& p) {
                     seen.push_back(p);
                     return true;
                 },
                 &r, &err),
             err.c_str());
    QCOMPARE(r.steps_done, 60);
    QCOMPARE(seen.front().step, 50);
    QCOMPARE(seen.front().seq_len, 256);
    // the calibration reports its progress after the last step, over both scales' pairs
    QVERIFY(seen.size() > 2);
    QCOMPARE(seen.back().calibrated_pairs, seen.back().calibration_pairs);
    QCOMPARE(seen.back().calibration_pairs, 2 * r.calibration.pairs.at(0));
    while (seen.back().calibration_pairs > 0)
        seen.pop_back();
    QCOMPARE(int(seen.size()), 2);
    QCOMPARE(seen.back().steps, 60);
    QCOMPARE(seen.back().seq_len, 512);
    QVERIFY2(std::isfinite(seen.back().loss) && seen.back().retrieval_loss > 0,
             qPrintable(QString("long phase: loss %1, retrieval loss %2")
                            .arg(seen.back().loss)
                            .arg(seen.back().retrieval_loss)));
    // the calibration chose the scale with the best mean AUC, recorded it, and measured
    // the held-out loss through the calibrated checkpoint
    QVERIFY(r.calibrated);
    QCOMPARE(int(r.calibration.auc.size()), 2);
    {
        const auto& m = r.calibration.mean_auc;
        QCOMPARE(r.calibration.query_scale, m[1] > m[0] ? 2.0 : 1.0);
        std::ifstream in(o.out_dir + "/config.json");
        const auto rec = nlohmann::json::parse(in).at("ladm_studio_calibration");
        QCOMPARE(rec.at("query_scale").get<double>(), r.calibration.query_scale);
        QCOMPARE(rec.at("mean_auc").get<std::vector<double>>(), m);
        QCOMPARE(rec.at("documents").get<std::string>().rfind("training", 0), size_t(0));
    }
    QVERIFY(r.held_out_loss_calibrated > 0);
    if (r.calibration.query_scale == 1.0)
        QCOMPARE(r.held_out_loss_calibrated, r.held_out_loss_engine);
    else
        QVERIFY(r.held_out_loss_calibrated != r.held_out_loss_engine);
    // resuming with no steps left runs none and still reports the last step's loss; it
    // exports the uncalibrated weights again and calibrates them (no "already calibrated")
    {
        const double last = r.final_loss;
        TrainResult again;
        QVERIFY2(train_calculator(o, {}, &again, &err), err.c_str());
        QCOMPARE(again.steps_done, 60);
        QCOMPARE(again.final_loss, last);
        QVERIFY(again.calibrated);
        QCOMPARE(again.calibration.mean_auc, r.calibration.mean_auc);
        QCOMPARE(again.held_out_loss_calibrated, r.held_out_loss_calibrated);
        // a calibration that cannot be done (no training document that long) says that the
        // training is saved and how to go on
        TrainOptions longer = o;
        longer.calibration.tokens = {100000};
        QVERIFY(!train_calculator(longer, {}, &again, &err));
        QVERIFY2(err.find("training finished and is saved") != std::string::npos &&
                     err.find("no pairs") != std::string::npos,
                 err.c_str());
        QCOMPARE(again.steps_done, 60);
    }
    // the exported config records the recipe that was run, long phase included
    {
        std::ifstream in(o.out_dir + "/config.json");
        const auto rec = nlohmann::json::parse(in).at("ladm_studio_training");
        QCOMPARE(rec.at("steps").get<int>(), 50);
        QCOMPARE(rec.at("seq_len").get<int>(), 256);
        QCOMPARE(rec.at("long_steps").get<int>(), 10);
        QCOMPARE(rec.at("long_seq_len").get<int>(), 512);
        QCOMPARE(rec.at("long_batch").get<int>(), 1);
        QCOMPARE(rec.at("held_out_fraction").get<double>(), 0.2);
    }
    // eval-calculator takes that split unless told otherwise
    QCOMPARE(recorded_held_out_fraction(o.out_dir, 0.5), 0.2);
    QCOMPARE(recorded_held_out_fraction(tmp.filePath("nowhere").toStdString(), 0.5), 0.5);

    // eval-calculator's pipeline on the same held-out split: coherent vs spliced pairs.
    EvalOptions eo2;
    eo2.model_dir = o.out_dir;
    eo2.text_files = files;
    eo2.held_out_fraction = 0.6; // enough documents for pairs in this tiny set
    eo2.tokens = 300;
    eo2.pairs = 4;
    eo2.params.span = 16;
    eo2.params.d_afs = 2;
    eo2.params.d_cds = 2;
    EvalResult er;
    QVERIFY2(evaluate_calculator(eo2, {}, &er, &err), err.c_str());
    QVERIFY(er.pairs > 0 && er.pairs <= 4);
    QCOMPARE(int(er.coherent.size()), er.pairs);
    QVERIFY(er.auc >= 0 && er.auc <= 1);
    QCOMPARE(er.auc, roc_auc(er.coherent, er.spliced));
    // each domain's AUC is over its own pairs only
    QCOMPARE(int(er.domains.size()), er.pairs);
    for (const auto& [dom, n] : er.pairs_per_domain) {
        std::vector<double> c, s;
        for (int k = 0; k < er.pairs; ++k)
            if (er.domains[size_t(k)] == dom)
                c.push_back(er.coherent[size_t(k)]), s.push_back(er.spliced[size_t(k)]);
        QCOMPARE(int(c.size()), n);
        QCOMPARE(er.auc_per_domain.at(dom), roc_auc(c, s));
    }
    // what eval-calculator prints: every pair's scores, and each domain's means of them
    {
        const auto rec = eval_record(eo2, er);
        QCOMPARE(rec.at("auc").get<double>(), er.auc);
        QCOMPARE(rec.at("documents").get<std::string>(), std::string("held-out"));
        const auto& ps = rec.at("pair_scores");
        QCOMPARE(int(ps.size()), er.pairs);
        std::map<std::string, std::pair<double, double>> sum;
        for (size_t k = 0; k < ps.size(); ++k) {
            QCOMPARE(ps[k].at("domain").get<std::string>(), er.domains[k]);
            QCOMPARE(ps[k].at("coherent").get<double>(), er.coherent[k]);
            QCOMPARE(ps[k].at("spliced").get<double>(), er.spliced[k]);
            sum[er.domains[k]].first += er.coherent[k];
            sum[er.domains[k]].second += er.spliced[k];
        }
        const auto& means = rec.at("mean_cds_per_domain");
        QCOMPARE(int(means.size()), int(er.pairs_per_domain.size()));
        for (const auto& [dom, n] : er.pairs_per_domain) {
            QVERIFY(qAbs(means.at(dom).at("coherent").get<double>() - sum[dom].first / n) < 1e-12);
            QVERIFY(qAbs(means.at(dom).at("spliced").get<double>() - sum[dom].second / n) < 1e-12);
        }
    }
    // the same pairs scored with the supervision's target attention instead of the model's
    {
        EvalOptions t = eo2;
        t.target_attention = true;
        EvalResult tr;
        QVERIFY2(evaluate_calculator(t, {}, &tr, &err), err.c_str());
        QCOMPARE(tr.pairs, er.pairs);
        QCOMPARE(tr.domains, er.domains);
        QCOMPARE(int(tr.auc_per_layer.size()), 1);
        QVERIFY(tr.coherent != er.coherent);
        for (int k = 0; k < tr.pairs; ++k)
            QVERIFY(tr.coherent[size_t(k)] >= 0 && tr.spliced[size_t(k)] >= 0);
        QCOMPARE(eval_record(t, tr).at("attention").get<std::string>(),
                 std::string("training targets"));
        QCOMPARE(eval_record(eo2, er).at("attention").get<std::string>(), std::string("model"));
        t.query_scale = 1.25; // the targets have no temperature: refused, not ignored
        QVERIFY(!evaluate_calculator(t, {}, &tr, &err));
        QVERIFY2(err.find("--target-attention") != std::string::npos, err.c_str());
    }
    // a length LADM cannot score is refused before any pair is built, saying the minimum
    eo2.tokens = 16 + 16 + 4 * 32; // C + K0 + 4 I: no query span left
    QVERIFY(!evaluate_calculator(eo2, {}, &er, &err));
    QVERIFY2(err.find("more than 160 tokens") != std::string::npos, err.c_str());

    // Pairs of training documents (for the calibration): every coherent sample is the
    // start of a file on the training side of the split, never a held-out one.
    {
        EvalOptions t = eo2;
        t.tokens = 300;
        t.held_out_fraction = 0.2;
        t.training_documents = true;
        auto tk = Tokenizer::from_dir(uncal, &err);
        QVERIFY2(tk, err.c_str());
        std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>> pairs;
        std::vector<std::string> doms;
        QVERIFY2(build_eval_pairs(t, *tk, &pairs, &doms, &err), err.c_str());
        QCOMPARE(int(pairs.size()), 4);
        int train_side = 0, held_side = 0;
        for (const auto& f : files)
            (is_held_out(f, 0.2) ? held_side : train_side) += 1;
        QVERIFY(held_side > 0 && train_side > 0);
        for (const auto& [coherent, _] : pairs) {
            int found = 0;
            for (const auto& f : files) {
                const auto ids = tk->encode(read_text_file(f), false).ids;
                if (std::equal(coherent.begin() + 1, coherent.end(), ids.begin())) {
                    QVERIFY2(!is_held_out(f, 0.2), f.c_str());
                    ++found;
                }
            }
            QCOMPARE(found, 1);
        }
    }

    // Calibrating a checkpoint folder: the query projections (and only they) are multiplied
    // by the scale in the file, which then scores as the engine does with that query_scale
    // on the uncalibrated weights; a second calibration is refused; a dry run changes nothing.
    {
        const std::string cal = tmp.filePath("calibrated").toStdString();
        QVERIFY(QDir().mkpath(QString::fromStdString(cal)));
        for (const char* f :
             {"/config.json", "/model.safetensors", "/tokenizer.model", "/tokenizer_config.json"})
            QVERIFY(
                QFile::copy(QString::fromStdString(uncal + f), QString::fromStdString(cal + f)));
        CalibrationOptions c = tiny;
        c.model_dir = cal;
        c.text_files = files;
        c.held_out_fraction = 0.2;
        c.scales = {1.0, 1.5};
        c.write = false;
        CalibrationResult dry;
        QVERIFY2(calibrate_query_scale(c, {}, &dry, &err), err.c_str());
        QCOMPARE(dry.pairs, std::vector<int>{4});
        QCOMPARE(int(dry.auc.size()), 2);
        {
            std::ifstream in(cal + "/config.json");
            QVERIFY(!nlohmann::json::parse(in).contains("ladm_studio_calibration"));
        }
        c.scales = {1.5}; // the only candidate: chosen
        c.write = true;
        CalibrationResult cr;
        QVERIFY2(calibrate_query_scale(c, {}, &cr, &err), err.c_str());
        QCOMPARE(cr.query_scale, 1.5);
        QCOMPARE(cr.mean_auc.at(0), dry.mean_auc.at(1)); // same pairs, same scale
        std::string e1, e2;
        auto before = SafetensorsFile::open(uncal + "/model.safetensors", &e1);
        auto after = SafetensorsFile::open(cal + "/model.safetensors", &e2);
        QVERIFY2(before && after, (e1 + e2).c_str());
        QCOMPARE(after->header(), before->header());
        int q_tensors = 0;
        for (const auto& [name, b] : before->tensors()) {
            const auto* a2 = after->find(name);
            QVERIFY(a2 && b.dtype == DType::F32);
            const bool q = name.find("self_attn.q_proj.") != std::string::npos;
            q_tensors += q;
            const auto* x = reinterpret_cast<const float*>(b.data);
            const auto* y = reinterpret_cast<const float*>(a2->data);
            for (int64_t i = 0; i < b.numel(); ++i)
                if (y[i] != (q ? float(double(x[i]) * 1.5) : x[i]))
                    QFAIL(qPrintable(QString::fromStdString(name) + QString(" [%1]").arg(i)));
        }
        QCOMPARE(q_tensors, o.layers);
        after.reset(), before.reset();
        EngineOptions plain, scaled;
        scaled.query_scale = 1.5;
        auto e_cal = Engine::open(cal, plain, &err);
        auto e_ref = Engine::open(uncal, scaled, &err);
        QVERIFY2(e_cal && e_ref, err.c_str());
        QVERIFY(e_cal->info().fingerprint != Engine::open(uncal, plain, &err)->info().fingerprint);
        LadmParams lp = tiny.params;
        lp.max_len = 300;
        const auto ids = tok->encode(read_text_file(files[0]), true).ids;
        QVERIFY(ids.size() >= 300);
        const std::vector<int32_t> sample(ids.begin(), ids.begin() + 300);
        const auto a3 = e_cal->score(sample, lp), b3 = e_ref->score(sample, lp);
        QVERIFY(a3.status == ScoreStatus::Ok && b3.status == ScoreStatus::Ok);
        QVERIFY2(std::abs(a3.cds - b3.cds) <= 1e-5 * std::abs(b3.cds),
                 qPrintable(QString("calibrated %1 vs engine x1.5 %2").arg(a3.cds).arg(b3.cds)));
        // scales would compound: refused, the file untouched
        c.scales = {2.0};
        QVERIFY(!calibrate_query_scale(c, {}, &cr, &err));
        QVERIFY2(err.find("already calibrated") != std::string::npos, err.c_str());
        QCOMPARE(e_cal->score(sample, lp).cds, a3.cds);
        c.scales = {-1.0};
        QVERIFY(invalid_calibration_options(c).find("> 0") != std::string::npos);
    }
}

void TestTrain::rocAuc() {
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
}

void TestTrain::textFilesAndSplit() {
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

void TestTrain::retrievalTargets() {
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

void TestTrain::farAttentionCe() {
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

void TestTrain::splicedControl() {
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

void TestTrain::matcherInit() {
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

QTEST_GUILESS_MAIN(TestTrain)
#include "tst_train.moc"

void TestTrain::tokenRarityByDomain() {
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

void TestTrain::targetAttentionCds() {
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
