// The scoring job and cluster shard tasks, driven directly (the CLI and the app only call
// them): every sample scored once with the engine's own result, a re-run served from the
// cache, shards that partition the corpus, and task markers that name model and parameters.
#include "core/jobs/score_job.h"
#include "core/jobs/shard_task.h"
#include "core/text/lexical.h"
#include "core/text/surface.h"
#include "core/text/utf8.h"
#include "tests/support/scoring_fixture.h"
#include "tests/support/tiny_model.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

using namespace ladm;

class TestScoreJob : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase();
    void scoresEverySampleOnce();
    void shardsPartitionTheCorpus();
    void shardTaskMarkers();
    void tokenizationFailureFailsOneSample();
    void progressCountsSamplesOfTheIndexedTotal();
    void severalScorersInOneRun();

  private:
    QTemporaryDir m_tmp;
    std::string m_corpus;
    std::unique_ptr<test::Scorer> m_scorer;
    std::string path(const char* name) const { return m_tmp.filePath(name).toStdString(); }
};

void TestScoreJob::initTestCase() {
    m_corpus = path("corpus.jsonl");
    test::write_corpus(m_corpus, 9, 200, 5);
    m_scorer = std::make_unique<test::Scorer>(path("model"));
    QVERIFY2(m_scorer->engine && m_scorer->tokenizer, m_scorer->error.c_str());
}

void TestScoreJob::scoresEverySampleOnce() {
    const std::string db = path("all.db");
    ScoreJobSummary sum;
    QVERIFY2(m_scorer->score({m_corpus}, db, &sum), m_scorer->error.c_str());
    QCOMPARE(sum.totals.samples, int64_t(9));
    QCOMPARE(sum.totals.scored, int64_t(9));
    QCOMPARE(sum.totals.too_short, int64_t(1)); // doc3
    QCOMPARE(sum.totals.failed, int64_t(0));
    QVERIFY(sum.problems.empty());

    std::string err;
    auto cache = Cache::open(db, &err);
    QVERIFY2(cache, err.c_str());
    const auto rows = cache->results(sum.run_id);
    QCOMPARE(rows.size(), size_t(9));
    // Each stored CDS is the engine's score of the tokenised text, bit for bit.
    std::ifstream in(m_corpus);
    std::string line;
    int checked = 0;
    for (const auto& r : rows) {
        auto one = cache->find_sample(sum.run_id, r.key);
        QVERIFY(one);
        if (r.status != "ok") {
            QCOMPARE(QString::fromStdString(r.key), QString("doc3"));
            continue;
        }
        Sample s;
        const auto points = cache->access_points(r.loc.file);
        QVERIFY2(CorpusReader::read_at(r.loc, CorpusOptions{}, &s, &err, &points), err.c_str());
        const auto enc = m_scorer->tokenizer->encode(s.text, true);
        const auto direct = m_scorer->engine->score(enc.ids, test::small_params());
        QCOMPARE(direct.status, ScoreStatus::Ok);
        QCOMPARE(r.cds, direct.cds);
        QCOMPARE(r.tokens, int64_t(enc.ids.size()));
        ++checked;
    }
    QCOMPARE(checked, 8);

    // Again: nothing is scored twice, the same run is reused.
    ScoreJobSummary again;
    QVERIFY(m_scorer->score({m_corpus}, db, &again));
    QCOMPARE(again.run_id, sum.run_id);
    QCOMPARE(again.totals.cached, int64_t(9));
    QCOMPARE(again.totals.scored, int64_t(0));
}

void TestScoreJob::shardsPartitionTheCorpus() {
    std::set<std::string> seen;
    int64_t total = 0;
    for (int k = 0; k < 3; ++k) {
        const std::string db = path(("shard" + std::to_string(k) + ".db").c_str());
        ScoreJobSummary sum;
        QVERIFY2(m_scorer->score({m_corpus}, db, &sum, k, 3), m_scorer->error.c_str());
        std::string err;
        auto cache = Cache::open(db, &err);
        for (const auto& r : cache->results(sum.run_id)) {
            QCOMPARE(shard_of(r.key, 3), k);
            QVERIFY2(seen.insert(r.key).second, r.key.c_str());
        }
        total += sum.totals.samples;
    }
    QCOMPARE(total, int64_t(9));
    QCOMPARE(seen.size(), size_t(9));
}

void TestScoreJob::shardTaskMarkers() {
    const ShardTask task{path("out"), 1, 4};
    std::filesystem::create_directories(task.dir);
    const std::string fp = m_scorer->engine->info().fingerprint;
    const LadmParams p = test::small_params();
    QVERIFY(!shard_task_complete(task, fp, p));

    shard_task_failed(task, "disk full");
    QVERIFY(std::filesystem::exists(task.failed_path()));
    shard_task_begin(task);
    QVERIFY(!std::filesystem::exists(task.failed_path()));

    ScoreJobSummary sum;
    QVERIFY(m_scorer->score({m_corpus}, task.db_path(), &sum, task.index, task.count));
    std::string err;
    QVERIFY2(shard_task_finished(task, fp, p, sum, &err), err.c_str());
    QVERIFY(shard_task_complete(task, fp, p));
    LadmParams other = p;
    other.span = 32; // other parameters: the task is not done for them
    QVERIFY(!shard_task_complete(task, fp, other));
    QVERIFY(!shard_task_complete(task, "another-model", p));
    QVERIFY(!std::filesystem::exists(task.marker_path() + ".tmp"));
}

void TestScoreJob::tokenizationFailureFailsOneSample() {
    // A tokenizer whose pre-tokenizer regex gives up on one text (PCRE2's match limit): that
    // sample fails with the reason, the others are scored. It used to be scored on whatever
    // the truncated split produced, as if nothing had happened.
    const std::string dir = path("regex_model");
    QCOMPARE(QString::fromStdString(test::write_scoring_model(dir)), QString());
    nlohmann::json tj;
    std::ifstream(dir + "/tokenizer.json") >> tj;
    tj["pre_tokenizer"] = {{"type", "Sequence"},
                           {"pretokenizers",
                            {{{"type", "Split"},
                              {"pattern", {{"Regex", "(a+)+$"}}},
                              {"behavior", "Isolated"},
                              {"invert", false}},
                             tj["pre_tokenizer"]}}};
    std::ofstream(dir + "/tokenizer.json") << tj.dump();
    std::string err;
    auto tok = Tokenizer::from_dir(dir, &err);
    QVERIFY2(tok, err.c_str());
    const std::string corpus = path("regex.jsonl");
    std::string words;
    for (int i = 0; i < 60; ++i)
        words += " word" + std::to_string(i % 7);
    {
        std::ofstream f(corpus);
        f << nlohmann::json{{"id", "fine1"}, {"text", words}}.dump() << "\n";
        f << nlohmann::json{{"id", "bad"}, {"text", std::string(40, 'a') + "b" + words}}.dump()
          << "\n";
        f << nlohmann::json{{"id", "fine2"}, {"text", words + " end"}}.dump() << "\n";
    }
    ScoreJobOptions o;
    o.inputs = {corpus};
    o.cache_path = path("regex.db");
    o.params = test::small_params();
    ScoreJobSummary sum;
    QVERIFY2(run_score_job(
                 *m_scorer->engine, *tok, o, [](const ScoreJobProgress&) { return true; },
                 [](const Problem&) {}, &sum, &err),
             err.c_str());
    QCOMPARE(sum.totals.failed, int64_t(1));
    QCOMPARE(sum.totals.scored, int64_t(2));
    auto cache = Cache::open(o.cache_path, &err);
    const auto row = cache->find_sample(sum.run_id, "bad");
    QVERIFY(row);
    QCOMPARE(QString::fromStdString(row->status), QString("error"));
    const auto res = cache->result(sum.run_id, row->sample_id);
    QVERIFY2(res->error.find("tokenization failed") != std::string::npos, res->error.c_str());
    QVERIFY2(res->error.find("regex") != std::string::npos, res->error.c_str());
    QCOMPARE(QString::fromStdString(cache->find_sample(sum.run_id, "fine2")->status),
             QString("ok"));
}

// Progress is samples handled of the run's total (from the index pass), rising to 1; the
// ETA comes from the recent rate and ends at 0. The index lists every sample of a shard.
void TestScoreJob::progressCountsSamplesOfTheIndexedTotal() {
    ScoreJobOptions o;
    o.inputs = {m_corpus};
    o.cache_path = path("progress.db");
    o.params = test::small_params();
    std::vector<ScoreJobProgress> seen;
    ScoreJobSummary sum;
    std::string err;
    QVERIFY2(run_score_job(
                 *m_scorer->engine, *m_scorer->tokenizer, o,
                 [&](const ScoreJobProgress& p) {
                     seen.push_back(p);
                     return true;
                 },
                 nullptr, &sum, &err),
             err.c_str());
    QCOMPARE(int(seen.size()), 9);
    for (size_t i = 0; i < seen.size(); ++i) {
        QCOMPARE(seen[i].total_samples, int64_t(9));
        QCOMPARE(seen[i].samples, int64_t(i + 1));
        QCOMPARE(seen[i].fraction, double(i + 1) / 9);
        QVERIFY(seen[i].chars_done <= seen[i].total_chars);
    }
    QCOMPARE(seen.back().chars_done, seen.back().total_chars);
    QCOMPARE(seen.back().eta_seconds, 0.0);
    QVERIFY(seen[4].eta_seconds > 0); // known once samples were scored
    QVERIFY(seen.back().tokens_per_second > 0);

    // index_corpus alone: every sample listed (pending), none scored.
    std::string db = path("index.db");
    auto cache = Cache::open(db, &err);
    QVERIFY2(cache, err.c_str());
    IndexSummary idx;
    QVERIFY2(index_corpus(*cache, {m_corpus}, CorpusOptions{}, 0, 1, nullptr, nullptr, &idx, &err),
             err.c_str());
    QCOMPARE(idx.samples, int64_t(9));
    QCOMPARE(cache->count_samples(0, {}), int64_t(9));
    QCOMPARE(cache->count("results"), int64_t(0));
    // a shard's index has only its samples
    auto shard = Cache::open(path("index-shard.db"), &err);
    IndexSummary part;
    QVERIFY(index_corpus(*shard, {m_corpus}, CorpusOptions{}, 1, 3, nullptr, nullptr, &part, &err));
    QVERIFY(part.samples > 0 && part.samples < 9);
    QCOMPARE(shard->count_samples(0, {}), part.samples);
}

// cds, longattn and lexical in one run: CDS bit for bit what a CDS run stores, LongAttn
// what the engine gives, lexical what core/text computes with the corpus's document
// frequencies, and the surface features stored; lexical alone needs no model.
void TestScoreJob::severalScorersInOneRun() {
    std::string err;
    ScoreJobOptions o;
    o.inputs = {m_corpus};
    o.params = test::small_params();
    o.cache_path = path("multi.db");
    o.scorers.lcgain_params.window = 250; // the samples have 200-400 tokens
    o.scorers.lcgain_params.stride = 64;
    o.scorers.lcgain_params.alpha = 0.01;
    QVERIFY(parse_scorers("cds,longattn,lcgain,lexical", &o.scorers, &err));
    QCOMPARE(o.scorers.lcgain_params.window, int64_t(250)); // kept by parse_scorers
    o.scorers.lexical_distance = 40;
    ScoreJobSummary multi, plain;
    QVERIFY2(
        run_score_job(*m_scorer->engine, *m_scorer->tokenizer, o, nullptr, nullptr, &multi, &err),
        err.c_str());
    QVERIFY2(m_scorer->score({m_corpus}, path("plain.db"), &plain), m_scorer->error.c_str());
    auto cache = Cache::open(o.cache_path, &err);
    auto plain_cache = Cache::open(path("plain.db"), &err);
    QVERIFY(cache && plain_cache);
    QCOMPARE(run_scorers(*cache, multi.run_id), o.scorers);

    // document frequencies over the corpus, as the job's index pass counts them
    DocumentFrequencies df;
    std::map<std::string, std::string> texts;
    {
        std::string e;
        auto reader = CorpusReader::open({m_corpus}, CorpusOptions{}, &e);
        Sample smp;
        while (reader->next(&smp)) {
            df.add(words_of(smp.text));
            texts[smp.id] = smp.text;
        }
    }
    QCOMPARE(df.documents(), int64_t(9));
    int ok = 0, with_lcgain = 0;
    for (const auto& r : cache->results(multi.run_id)) {
        const auto p = plain_cache->find_sample(plain.run_id, r.key);
        QVERIFY(p);
        QCOMPARE(QString::fromStdString(r.status), QString::fromStdString(p->status));
        QVERIFY(r.scores.count(kFeatureNonAscii) && r.scores.count(kFeatureZstdRatio));
        if (r.status != "ok") continue;
        ++ok;
        QCOMPARE(r.cds, p->cds); // bit for bit
        const auto enc = m_scorer->tokenizer->encode(texts[r.key], true);
        ScoreOptions so;
        so.longattn = true;
        so.lcgain = true;
        so.lcgain_params = o.scorers.lcgain_params;
        const auto direct = m_scorer->engine->score(enc.ids, o.params, so);
        QCOMPARE(r.score("longattn_proportion"), direct.longattn_proportion);
        QCOMPARE(r.score("longattn_uniformity"), direct.longattn_uniformity);
        // LC gain where the sample is longer than its window, and nothing where it is not
        if (enc.ids.size() > 250) {
            ++with_lcgain;
            QCOMPARE(r.score("lcgain"), direct.lcgain);
            QCOMPARE(r.score("lcgain_key_fraction"), direct.lcgain_key_fraction);
        } else {
            QVERIFY(!r.scores.count("lcgain") && !r.scores.count("lcgain_key_fraction"));
        }
        QCOMPARE(r.score("lexical"), lexical_dependency(words_of(texts[r.key]), df, 40));
        QCOMPARE(r.score(kFeatureCharsPerToken),
                 double(utf8::CharIndex(texts[r.key]).size()) / double(enc.ids.size()));
    }
    QCOMPARE(ok, 8);
    QVERIFY(with_lcgain > 0 && with_lcgain < ok);

    // lexical alone: no engine, no tokenizer; the same values, a model-free run
    ScoreJobOptions lx = o;
    lx.cache_path = path("lexical.db");
    lx.scorers = ScorerSet{};
    QVERIFY(parse_scorers("lexical", &lx.scorers, &err));
    lx.scorers.lexical_distance = 40;
    ScoreJobSummary ls;
    QVERIFY2(run_score_job(nullptr, nullptr, lx, nullptr, nullptr, &ls, &err), err.c_str());
    auto lc = Cache::open(lx.cache_path, &err);
    QCOMPARE(QString::fromStdString(lc->runs().at(0).fingerprint), QString(kModelFreeFingerprint));
    const auto lrows = lc->results(ls.run_id);
    QCOMPARE(lrows.size(), size_t(9));
    for (const auto& r : lrows) {
        QCOMPARE(QString::fromStdString(r.status), QString("ok")); // doc3 too: no spans needed
        QVERIFY(std::isnan(r.cds));
        QCOMPARE(r.score("lexical"), lexical_dependency(words_of(texts[r.key]), df, 40));
    }
    // a model scorer without a model is refused, naming the scorers
    lx.scorers.longattn = true;
    QVERIFY(!run_score_job(nullptr, nullptr, lx, nullptr, nullptr, &ls, &err));
    QVERIFY2(err.find("longattn") != std::string::npos, err.c_str());
}

QTEST_GUILESS_MAIN(TestScoreJob)
#include "tst_score_job.moc"
