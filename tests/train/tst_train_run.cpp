// The calculator training command on a tiny configuration: loss goes down, the exported
// checkpoint loads through the engine and gives the same held-out loss as the training
// forward, and a second run resumes from the saved state.
#include "core/corpus/source_text.h"
#include "core/curate/score_table.h"
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

class TestTrainRun : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void trainExportResume();
    void leaveOneKindOut();
};

void TestTrainRun::trainExportResume() {
    QTemporaryDir tmp;
    // Some text with structure to learn: repeated phrases with varying names and numbers.
    std::vector<std::string> files;
    std::mt19937_64 rng(3);
    const char* names[] = {"alpha", "beta", "gamma", "delta", "kappa", "sigma", "omega", "theta"};
    // 24 files, and more while fewer than 2 fall on the held-out side of the hash split
    // (it hashes the path, and the temporary folder's name is random)
    int held = 0;
    for (int f = 0; f < 24 || held < 2; ++f) {
        const std::string p = tmp.filePath(QString("doc%1.txt").arg(f)).toStdString();
        std::ofstream out(p);
        for (int l = 0; l < 120; ++l)
            out << "the value of " << names[rng() % 8] << " is " << rng() % 100 << " and the "
                << names[rng() % 8] << " follows the " << names[rng() % 8] << ".\n";
        files.push_back(p);
        held += is_held_out(p, 0.2);
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
    // one kind only; and the same pairs with ASCII punctuation (this text has none to map)
    {
        EvalOptions k = eo2;
        k.kind = er.domains.front();
        EvalResult kr;
        QVERIFY2(evaluate_calculator(k, {}, &kr, &err), err.c_str());
        for (const auto& d : kr.domains)
            QCOMPARE(d, k.kind);
        k.kind = "Novels";
        QVERIFY(!evaluate_calculator(k, {}, &kr, &err));
        QVERIFY2(QString::fromStdString(err).contains("Novels"), err.c_str());
        EvalOptions ap = eo2;
        ap.ascii_punct = true;
        EvalResult ar;
        QVERIFY2(evaluate_calculator(ap, {}, &ar, &err), err.c_str());
        QCOMPARE(ar.coherent, er.coherent);
        QCOMPARE(eval_record(ap, ar).at("ascii_punct").get<bool>(), true);
    }
    // --write-pairs: both texts of every pair, with the scores printed, one record each
    {
        EvalOptions w = eo2;
        w.pairs_out = tmp.filePath("pairs.jsonl").toStdString();
        EvalResult wr;
        QVERIFY2(evaluate_calculator(w, {}, &wr, &err), err.c_str());
        QCOMPARE(wr.coherent, er.coherent);
        auto tok = Tokenizer::from_dir(o.out_dir, &err);
        QVERIFY2(tok, err.c_str());
        std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>> pairs;
        std::vector<std::string> doms;
        QVERIFY2(build_eval_pairs(eo2, *tok, &pairs, &doms, &err), err.c_str());
        std::ifstream in(w.pairs_out);
        std::string line;
        std::vector<nlohmann::json> recs;
        while (std::getline(in, line))
            recs.push_back(nlohmann::json::parse(line));
        QCOMPARE(recs.size(), 2 * pairs.size());
        for (size_t k = 0; k < pairs.size(); ++k) {
            const auto& c = recs[2 * k];
            const auto& s = recs[2 * k + 1];
            QCOMPARE(c.at("id").get<std::string>(), "pair-" + std::to_string(k) + "-coherent");
            QCOMPARE(s.at("side").get<std::string>(), std::string("spliced"));
            QCOMPARE(c.at("text").get<std::string>(), tok->decode(pairs[k].first));
            QCOMPARE(s.at("text").get<std::string>(), tok->decode(pairs[k].second));
            QCOMPARE(c.at("domain").get<std::string>(), doms[k]);
            QCOMPARE(c.at("cds").get<double>(), er.coherent[k]);
            QCOMPARE(s.at("cds").get<double>(), er.spliced[k]);
            QCOMPARE(s.at("lexical").get<double>(), er.lexical_spliced[k]);
            QCOMPARE(c.at("lexical").get<double>(), er.lexical_coherent[k]);
        }
        QVERIFY(wr.pairs_out_error.empty());
        // a write that fails after scoring keeps the scores and says why, naming the file
        w.pairs_out = "/dev/full";
        QVERIFY2(evaluate_calculator(w, {}, &wr, &err), err.c_str());
        QCOMPARE(wr.coherent, er.coherent);
        QVERIFY2(wr.pairs_out_error.find("/dev/full") != std::string::npos,
                 wr.pairs_out_error.c_str());
        // a file that cannot be written is an error naming it
        w.pairs_out = tmp.filePath("no/such/folder/pairs.jsonl").toStdString();
        QVERIFY(!evaluate_calculator(w, {}, &wr, &err));
        QVERIFY2(err.find("no/such/folder/pairs.jsonl") != std::string::npos, err.c_str());
    }
    // CDS against length (--lengths): every document of the evaluated side long enough for
    // LADM, cut at --tokens, scored alone as the engine scores it
    {
        EvalOptions l = eo2;
        l.length_correlation = true;
        auto tok = Tokenizer::from_dir(o.out_dir, &err);
        QVERIFY2(tok, err.c_str());
        const auto docs = eval_documents(l, *tok);
        std::vector<int64_t> lens;
        for (const auto& [_, list] : docs)
            for (const auto& d : list)
                lens.push_back(int64_t(d.size()) + 1);
        std::sort(lens.begin(), lens.end());
        l.tokens = int(lens[lens.size() / 2]); // half the documents are shorter: lengths vary
        EvalResult lr;
        QVERIFY2(evaluate_calculator(l, {}, &lr, &err), err.c_str());
        auto engine = Engine::open(o.out_dir, {}, &err);
        QVERIFY2(engine, err.c_str());
        LadmParams p = l.params;
        p.max_len = l.tokens;
        size_t i = 0;
        std::set<int64_t> distinct;
        for (const auto& [dom, list] : docs)
            for (const auto& d : list) {
                const int64_t L = std::min<int64_t>(l.tokens, int64_t(d.size()) + 1);
                if (L <= 160) continue; // too short for span 16, d_afs 2
                QVERIFY(i < lr.length_cds.size());
                QCOMPARE(lr.length_domains[i], dom);
                QCOMPARE(lr.length_tokens[i], L);
                std::vector<int32_t> s{tok->bos_id()};
                s.insert(s.end(), d.begin(), d.begin() + (L - 1));
                QCOMPARE(lr.length_cds[i], engine->score(s, p).cds);
                distinct.insert(L);
                ++i;
            }
        QCOMPARE(i, lr.length_cds.size());
        QVERIFY(distinct.size() > 1);
        const auto rec = eval_record(l, lr).at("cds_vs_length");
        const std::vector<double> len(lr.length_tokens.begin(), lr.length_tokens.end());
        QCOMPARE(rec.at("per_domain").at("(all)").at("spearman").get<double>(),
                 spearman(lr.length_cds, len));
        QCOMPARE(rec.at("documents").size(), lr.length_cds.size());
        QVERIFY(!eval_record(eo2, er).contains("cds_vs_length"));
    }
    // the lexical baseline on the same pairs: one score per side, its AUC over them
    QCOMPARE(int(er.lexical_coherent.size()), er.pairs);
    QCOMPARE(int(er.lexical_spliced.size()), er.pairs);
    for (int k = 0; k < er.pairs; ++k)
        QVERIFY(er.lexical_coherent[size_t(k)] >= 0 && er.lexical_coherent[size_t(k)] <= 1);
    QCOMPARE(er.lexical_auc, roc_auc(er.lexical_coherent, er.lexical_spliced));
    // what eval-calculator prints: every pair's scores, and each domain's means of them
    {
        const auto rec = eval_record(eo2, er);
        QCOMPARE(rec.at("lexical_baseline").at("auc").get<double>(), er.lexical_auc);
        QCOMPARE(rec.at("auc_se").get<double>(),
                 auc_standard_error(er.auc, er.coherent.size(), er.spliced.size()));
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

// train-calculator --leave-out KIND keeps a kind out of everything and records it;
// eval-calculator then makes its pairs of that kind from all its documents.
void TestTrainRun::leaveOneKindOut() {
    QTemporaryDir tmp;
    std::vector<std::string> files;
    std::mt19937_64 rng(5);
    const char* names[] = {"alpha", "beta", "gamma", "delta", "kappa", "sigma", "omega", "theta"};
    for (const char* kind : {"prose", "code"}) {
        QDir().mkpath(tmp.filePath(kind));
        // 12 files, and more while fewer than 2 prose ones fall on the held-out side (the
        // hash split hashes the path, and the temporary folder's name is random)
        int held = 0;
        for (int f = 0; f < 12 || (kind[0] == 'p' && held < 2); ++f) {
            const std::string p =
                tmp.filePath(QString("%1/doc%2.txt").arg(kind).arg(f)).toStdString();
            std::ofstream out(p);
            for (int l = 0; l < 120; ++l)
                out << (kind[0] == 'p' ? "the value of " : "int ") << names[rng() % 8] << " = "
                    << rng() % 100 << (kind[0] == 'p' ? " and so on.\n" : ";\n");
            files.push_back(p);
            held += is_held_out(p, 0.3);
        }
    }
    const std::string left = tmp.filePath("code").toStdString(); // text_domain of a folder
    TrainOptions o;
    o.out_dir = tmp.filePath("calc").toStdString();
    o.text_files = files;
    o.leave_out = {left};
    o.vocab = 300;
    o.hidden = 32;
    o.layers = 1;
    o.heads = 2;
    o.kv_heads = 1;
    o.intermediate = 64;
    o.seq_len = 128;
    o.batch = 2;
    o.steps = 4;
    o.long_steps = 0;
    o.warmup = 1;
    o.max_positions = 1024;
    o.export_bf16 = false;
    o.held_out_fraction = 0.3;
    o.calibration.scales.clear();
    TrainResult r;
    std::string err;
    {
        // a kind no file is of (a misspelling) is refused before training, naming the kinds
        TrainOptions bad = o;
        bad.out_dir = tmp.filePath("bad").toStdString();
        bad.leave_out = {"Novels"};
        QVERIFY(!train_calculator(bad, {}, &r, &err));
        QVERIFY2(err.find("--leave-out Novels") != std::string::npos, err.c_str());
        QVERIFY2(err.find(left) != std::string::npos, err.c_str());
        QVERIFY(!QFile::exists(QString::fromStdString(bad.out_dir + "/model.safetensors")));
    }
    QVERIFY2(train_calculator(o, {}, &r, &err), err.c_str());
    // every file of the left-out kind is listed as such, none is trained on or held out
    std::ifstream src(o.out_dir + "/training-sources.txt");
    std::string line;
    int left_lines = 0, other_lines = 0;
    while (std::getline(src, line)) {
        if (line.empty() || line[0] == '#') continue;
        const bool of_left = line.find("/code/") != std::string::npos;
        if (of_left) {
            QVERIFY2(line.rfind("left-out ", 0) == 0, line.c_str());
            ++left_lines;
        } else {
            QVERIFY2(line.rfind("left-out ", 0) != 0, line.c_str());
            ++other_lines;
        }
    }
    QCOMPARE(left_lines, 12);
    QCOMPARE(other_lines, int(std::count_if(files.begin(), files.end(), [](const std::string& f) {
                 return f.find("/prose/") != std::string::npos;
             })));
    QCOMPARE(recorded_leave_out(o.out_dir), std::vector<std::string>{left});
    { // the recipe records how its tokenizer's input was chosen (default: shared by kind)
        std::ifstream cf(o.out_dir + "/config.json");
        const auto cfg = nlohmann::json::parse(cf, nullptr, false);
        QVERIFY(!cfg.is_discarded());
        QCOMPARE(cfg.at("ladm_studio_training").value("tokenizer_by_kind", false), true);
    }
    // its pairs come from all 12 documents of the kind, whatever side of the split
    EvalOptions e;
    e.model_dir = o.out_dir;
    e.text_files = files;
    e.held_out_fraction = 0.3;
    e.kind = left;
    e.all_documents = true;
    e.pairs = 6;
    e.tokens = 400;
    e.params.span = 16;
    e.params.d_afs = 2;
    e.params.d_cds = 2;
    EvalResult er;
    QVERIFY2(evaluate_calculator(e, {}, &er, &err), err.c_str());
    QCOMPARE(er.pairs, 6);
    for (const auto& d : er.domains)
        QCOMPARE(d, left);
    // the held-out side alone has fewer documents of the kind than all of them
    e.all_documents = false;
    e.pairs = 12;
    EvalResult held;
    if (evaluate_calculator(e, {}, &held, &err)) QVERIFY(held.pairs < 12);

    // Controls from unrelated sources: every piece of the code pairs' controls comes from
    // the held-out prose documents; by default they come from other code documents.
    e.all_documents = true;
    e.pairs = 6;
    auto tok = Tokenizer::from_dir(o.out_dir, &err);
    QVERIFY2(tok, err.c_str());
    for (const bool unrelated : {false, true}) {
        e.unrelated_controls = unrelated;
        std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>> pairs;
        std::vector<std::string> doms;
        QVERIFY2(build_eval_pairs(e, *tok, &pairs, &doms, &err), err.c_str());
        QCOMPARE(int(pairs.size()), 6);
        for (const auto& [coherent, spliced] : pairs) {
            QCOMPARE(spliced.size(), coherent.size());
            const std::string text = tok->decode(spliced);
            QCOMPARE(text.find("int ") != std::string::npos, !unrelated);
            QCOMPARE(text.find("the value of") != std::string::npos, unrelated);
        }
        QCOMPARE(eval_record(e, er).at("controls").get<std::string>().find("other kinds") !=
                     std::string::npos,
                 unrelated);
    }

    // Every kind at once (the held-out side): each control is made of the other kind only.
    const bool code_held_out = std::any_of(files.begin(), files.end(), [](const std::string& f) {
        return f.find("/code/") != std::string::npos && is_held_out(f, 0.3);
    });
    if (code_held_out) {
        EvalOptions all = e;
        all.kind.clear();
        all.all_documents = false;
        std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>> pairs;
        std::vector<std::string> doms;
        QVERIFY2(build_eval_pairs(all, *tok, &pairs, &doms, &err), err.c_str());
        for (size_t k = 0; k < pairs.size(); ++k) {
            const std::string text = tok->decode(pairs[k].second);
            const bool code = doms[k] == left;
            QCOMPARE(text.find("int ") != std::string::npos, !code);
            QCOMPARE(text.find("the value of") != std::string::npos, code);
        }
    }

    // A model never saw a kind its config.json leaves out, or that its training-sources.txt
    // has no training file of (a model trained before the kind joined the recipe).
    QVERIFY(model_never_saw(o.out_dir, left));
    const std::string prose = tmp.filePath("prose").toStdString();
    QVERIFY(!model_never_saw(o.out_dir, prose));
    const std::string older = tmp.filePath("older").toStdString();
    QVERIFY(QDir().mkpath(QString::fromStdString(older)));
    QVERIFY(!model_never_saw(older, left)); // nothing recorded: unknown
    {
        std::ofstream list(older + "/training-sources.txt");
        list << "# split  bytes  path\n";
        for (const auto& f : files)
            if (f.find("/prose/") != std::string::npos) list << "train 100 " << f << "\n";
    }
    QVERIFY(model_never_saw(older, left));
    QVERIFY(!model_never_saw(older, prose));

    // eval-calculator --leave-out trains only where there is no model or an unfinished run:
    // a finished run, or a model copied without its training.json, is loaded as it is.
    QVERIFY(leave_out_needs_training(o.out_dir));          // train-state, no training.json yet
    std::ofstream(o.out_dir + "/training.json") << "{}\n"; // as train-calculator writes last
    QVERIFY(!leave_out_needs_training(o.out_dir));
    QVERIFY(leave_out_needs_training(older)); // no model
    for (const char* f : {"/model.safetensors", "/config.json"})
        QVERIFY(
            QFile::copy(QString::fromStdString(o.out_dir + f), QString::fromStdString(older + f)));
    QVERIFY(!leave_out_needs_training(older));
    QVERIFY(QDir().mkpath(QString::fromStdString(older + "/train-state")));
    QVERIFY(leave_out_needs_training(older)); // a stopped run: resumed
}

QTEST_GUILESS_MAIN(TestTrainRun)
#include "tst_train_run.moc"
