// The calculator training command on a tiny configuration: loss goes down, the exported
// checkpoint loads through the engine and gives the same held-out loss as the training
// forward, and a second run resumes from the saved state.
#include "core/calculator_eval.h"
#include "core/calculator_train.h"
#include "core/engine.h"
#include "core/tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <random>

using namespace ladm;

class TestTrain : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void trainExportResume();
    void rocAuc();
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
    o.lr = 3e-3;
    o.warmup = 5;
    o.max_positions = 1024;
    o.checkpoint_every = 10;
    o.export_bf16 = false;
    o.held_out_fraction = 0.2;

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
    // the retrieval supervision (previous-token and induction targets) is learnt too
    QVERIFY(seen.front().retrieval_loss > 0);
    QVERIFY2(seen.back().retrieval_loss < seen.front().retrieval_loss - 0.1,
             qPrintable(QString("retrieval loss %1 -> %2")
                            .arg(seen.front().retrieval_loss)
                            .arg(seen.back().retrieval_loss)));
    QVERIFY(r.held_out_loss > 0);
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

    // Resume: ask for 60 steps; it continues from the saved step 40.
    o.steps = 60;
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
    QCOMPARE(int(seen.size()), 2);

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
}

void TestTrain::rocAuc() {
    // pos {3, 4} vs neg {1, 3}: 3>1, 3=3 (half), 4>1, 4>3 -> 3.5 / 4
    QCOMPARE(roc_auc({3, 4}, {1, 3}), 0.875);
    QCOMPARE(roc_auc({1}, {2}), 0.0);
    QCOMPARE(roc_auc({}, {2}), 0.5);
}

QTEST_GUILESS_MAIN(TestTrain)
#include "tst_train.moc"
