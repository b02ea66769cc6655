// The score cache: file invalidation, schema versions, and the queries the front ends use.
#include "core/store/cache.h"
#include "core/store/run_params.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>

using namespace ladm;

class TestStore : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void cacheInvalidatesChangedFiles();
    void cacheRefusesNewerSchema();
    void runsResultsAndParams();
    void overridesAndSelections();
    void notFiniteIsNeverOk();
    void namedScores();
    void tableQueriesListPendingSamples();
    void runLabels();
};

void TestStore::cacheInvalidatesChangedFiles() {
    QTemporaryDir tmp;
    std::string err;
    auto cache = Cache::open(tmp.filePath("c.db").toStdString(), &err);
    QVERIFY2(cache, err.c_str());
    const std::string a = tmp.filePath("a.jsonl").toStdString(),
                      b = tmp.filePath("b.jsonl").toStdString();
    std::ofstream(a) << "{\"text\": \"a\"}\n";
    std::ofstream(b) << "{\"text\": \"b\"}\n";
    FileInfo fa, fb;
    QVERIFY(stat_file(a, &fa, &err) && stat_file(b, &fb, &err));
    int64_t ida = 0, idb = 0, inval = 0;
    QVERIFY(cache->register_file(fa, &ida, &inval, &err) &&
            cache->register_file(fb, &idb, &inval, &err));
    Sample s;
    s.id = "sa";
    s.text_hash = 1;
    const int64_t sa = cache->upsert_sample(ida, s, &err);
    s.id = "sb";
    const int64_t sb = cache->upsert_sample(idb, s, &err);
    const int64_t run = cache->run_id("fp", "{}", "v", &err);
    StoredResult r;
    r.status = "ok";
    r.cds = 0.5;
    r.span_mass = {1, 2, 3};
    QVERIFY(cache->put_result(run, sa, r, &err) && cache->put_result(run, sb, r, &err));
    QCOMPARE(cache->result(run, sa)->span_mass, (std::vector<float>{1, 2, 3}));
    // a changes: its sample and result go, b's stay.
    std::ofstream(a) << "{\"text\": \"a changed\"}\n";
    QVERIFY(stat_file(a, &fa, &err));
    QVERIFY(cache->register_file(fa, &ida, &inval, &err));
    QCOMPARE(inval, int64_t(1));
    QVERIFY(!cache->has_result(run, sa));
    QVERIFY(cache->has_result(run, sb));
    // Unchanged file: nothing happens.
    QVERIFY(cache->register_file(fb, &idb, &inval, &err));
    QCOMPARE(inval, int64_t(0));
    // The same id with a new text drops its stale result.
    s.text_hash = 2;
    QCOMPARE(cache->upsert_sample(idb, s, &err), sb);
    QVERIFY(!cache->has_result(run, sb));
    std::string detail;
    QVERIFY(cache->integrity_ok(&detail));
}

void TestStore::cacheRefusesNewerSchema() {
    QTemporaryDir tmp;
    const std::string path = tmp.filePath("new.db").toStdString();
    std::string err;
    {
        auto c = Cache::open(path, &err);
        QVERIFY(c);
        QVERIFY(c->raw_connection_for_tests().exec(
            "PRAGMA user_version = 99; UPDATE meta SET value = '99' WHERE key = "
            "'compatible_version'"));
    }
    QVERIFY(!Cache::open(path, &err));
    QVERIFY2(err.find("newer LADM Studio") != std::string::npos, err.c_str());
}

namespace {
// A cache with one file of three samples (ids s0..s2, domains A, A, B).
struct Filled {
    QTemporaryDir tmp;
    std::unique_ptr<Cache> cache;
    std::vector<int64_t> ids;
    Filled() {
        std::string err;
        cache = Cache::open(tmp.filePath("c.db").toStdString(), &err);
        const std::string a = tmp.filePath("a.jsonl").toStdString();
        std::ofstream(a) << "{}\n{}\n{}\n";
        FileInfo fa;
        int64_t fid = 0, inval = 0;
        stat_file(a, &fa, &err);
        cache->register_file(fa, &fid, &inval, &err);
        for (int i = 0; i < 3; ++i) {
            Sample s;
            s.id = "s" + std::to_string(i);
            s.domain = i < 2 ? "A" : "B";
            s.text_hash = uint64_t(i + 1);
            s.loc = {a, i + 1, uint64_t(3 * i), 2};
            ids.push_back(cache->upsert_sample(fid, s, &err));
        }
    }
};
} // namespace

void TestStore::runsResultsAndParams() {
    Filled f;
    std::string err;
    QVERIFY(f.cache);
    QCOMPARE(f.cache->latest_run(), int64_t(0));
    LadmParams p;
    p.span = 64;
    p.ablation = Ablation::NoStd;
    const int64_t run = f.cache->run_id("fp", params_json(p), "v1", &err);
    QVERIFY2(run > 0, err.c_str());
    // The same identity is the same run; another parameter set is a new one.
    QCOMPARE(f.cache->run_id("fp", params_json(p), "v1", &err), run);
    const int64_t other = f.cache->run_id("fp", params_json(LadmParams{}), "v1", &err);
    QVERIFY(other != run);
    QCOMPARE(f.cache->latest_run(), other);
    const LadmParams back = run_params(*f.cache, run);
    QCOMPARE(back.span, 64);
    QCOMPARE(back.ablation, Ablation::NoStd);
    QCOMPARE(run_params(*f.cache, 999).span, LadmParams{}.span); // unknown run: defaults

    StoredResult r;
    r.status = "ok";
    r.cds = 0.25;
    r.afs = {0.5f, 0.25f};
    r.span_starts = {300, 200};
    r.windows = 3;
    r.span_mass = {1, 2, 3, 4, 5, 6};
    r.tokens = 400;
    r.tokens_scored = 350;
    QVERIFY(f.cache->put_result(run, f.ids[0], r, &err));
    r.status = "too_short";
    QVERIFY(f.cache->put_result(run, f.ids[2], r, &err));
    const auto got = f.cache->result(run, f.ids[0]);
    QVERIFY(got);
    QCOMPARE(got->cds, 0.25);
    QCOMPARE(got->span_starts, (std::vector<int64_t>{300, 200}));
    QCOMPARE(got->span_mass, (std::vector<float>{1, 2, 3, 4, 5, 6}));
    QCOMPARE(got->tokens_scored, int64_t(350));
    const auto rows = f.cache->results(run);
    QCOMPARE(rows.size(), size_t(2)); // s1 has no result in this run
    QCOMPARE(QString::fromStdString(rows[0].key), QString("s0"));
    QCOMPARE(QString::fromStdString(rows[1].status), QString("too_short"));
    QCOMPARE(QString::fromStdString(f.cache->find_sample(run, "s2")->domain), QString("B"));
    QVERIFY(!f.cache->find_sample(run, "s1"));
    QVERIFY(f.cache->results(other).empty());
    QCOMPARE(f.cache->runs().size(), size_t(2));
}

void TestStore::overridesAndSelections() {
    Filled f;
    std::string err;
    const int64_t run = f.cache->run_id("fp", "{}", "v1", &err);
    StoredResult r;
    r.status = "ok";
    for (int64_t id : f.ids)
        QVERIFY(f.cache->put_result(run, id, r, &err));
    QVERIFY(f.cache->set_override("s1", "reject", "boilerplate", &err));
    QVERIFY(!f.cache->set_override("s1", "maybe", "", &err)); // not a decision
    QCOMPARE(QString::fromStdString(f.cache->find_sample(run, "s1")->override_decision),
             QString("reject"));
    QVERIFY(f.cache->clear_override("s1", &err));
    QVERIFY(f.cache->find_sample(run, "s1")->override_decision.empty());

    QVERIFY(f.cache->save_selection("mine", R"({"mode":"top"})", {f.ids[0], f.ids[2]}, &err));
    std::vector<int64_t> kept;
    std::string recipe;
    QVERIFY(f.cache->load_selection("mine", &kept, &recipe, &err));
    std::sort(kept.begin(), kept.end());
    QCOMPARE(kept, (std::vector<int64_t>{f.ids[0], f.ids[2]}));
    QCOMPARE(QString::fromStdString(recipe), QString(R"({"mode":"top"})"));
    // Saving again under the same name replaces it.
    QVERIFY(f.cache->save_selection("mine", "{}", {f.ids[1]}, &err));
    QVERIFY(f.cache->load_selection("mine", &kept, &recipe, &err));
    QCOMPARE(kept, (std::vector<int64_t>{f.ids[1]}));
    QVERIFY(!f.cache->load_selection("nope", &kept, &recipe, &err));
}

void TestStore::notFiniteIsNeverOk() {
    // SQLite stores NaN as NULL: an "ok" result with a NaN score used to read back as ok
    // with CDS 0, shown as 0 by stats and kept by `select --threshold 0`.
    Filled f;
    std::string err;
    const int64_t run = f.cache->run_id("fp", "{}", "v1", &err);
    StoredResult r;
    r.status = "ok";
    r.cds = std::nan("");
    QVERIFY(f.cache->put_result(run, f.ids[0], r, &err));
    r.cds = INFINITY;
    QVERIFY(f.cache->put_result(run, f.ids[1], r, &err));
    r.cds = 0.5;
    QVERIFY(f.cache->put_result(run, f.ids[2], r, &err));
    for (int64_t id : {f.ids[0], f.ids[1]}) {
        const auto got = f.cache->result(run, id);
        QCOMPARE(QString::fromStdString(got->status), QString("error"));
        QVERIFY2(got->error.find("not finite") != std::string::npos, got->error.c_str());
    }
    QCOMPARE(QString::fromStdString(f.cache->result(run, f.ids[2])->status), QString("ok"));
    // A run without CDS (lexical alone) stores ok with no CDS, read back as NaN.
    const int64_t lex = f.cache->run_id("model-free", "{\"scorers\":\"lexical\"}", "v1", &err);
    r.cds = 0;
    r.has_cds = false;
    r.scores = {{"lexical", 0.25}};
    QVERIFY(f.cache->put_result(lex, f.ids[0], r, &err));
    const auto lr = f.cache->result(lex, f.ids[0]);
    QCOMPARE(QString::fromStdString(lr->status), QString("ok"));
    QVERIFY(!lr->has_cds && std::isnan(lr->cds));
    const auto lrow = f.cache->result_row(lex, f.ids[0]);
    QVERIFY(std::isnan(lrow->score("cds")));
    QCOMPARE(lrow->score("lexical"), 0.25);
    // A row an older version (schema 4) stored as ok without a score is a failure once
    // the cache is migrated.
    const std::string path = f.cache->path();
    {
        auto& db = f.cache->raw_connection_for_tests();
        QVERIFY(db.exec("UPDATE results SET cds = NULL WHERE sample_id = " +
                            std::to_string(f.ids[2]) + " AND run_id = " + std::to_string(run),
                        &err));
        QVERIFY(db.exec("DELETE FROM results WHERE run_id = " + std::to_string(lex), &err));
        QVERIFY(db.exec("DROP TABLE scores", &err));
        QVERIFY(db.exec("PRAGMA user_version = 4", &err));
    }
    f.cache.reset();
    f.cache = Cache::open(path, &err);
    QVERIFY2(f.cache, err.c_str());
    for (const auto& row : f.cache->results(run))
        QCOMPARE(QString::fromStdString(row.status), QString("error"));
}

// Named scores beside CDS: stored with their result, replaced with it, read back by every
// query, copied by a merge; a run's scorers are part of its identity.
void TestStore::namedScores() {
    Filled f;
    std::string err;
    const ScorerSet plain;
    ScorerSet three = plain;
    QVERIFY(parse_scorers("cds,longattn,lexical", &three, &err));
    QVERIFY(three.cds && three.longattn && three.lexical);
    // CDS alone keeps the JSON (and so the run identity) it always had
    QCOMPARE(QString::fromStdString(params_json(LadmParams{}, plain)),
             QString::fromStdString(params_json(LadmParams{})));
    QVERIFY(params_json(LadmParams{}, plain).find("scorers") == std::string::npos);
    QVERIFY(params_json(LadmParams{}, three) != params_json(LadmParams{}));
    QCOMPARE(scorers_from_json(params_json(LadmParams{}, three)), three);
    QCOMPARE(scorers_from_json(params_json(LadmParams{})), plain);
    ScorerSet bad;
    QVERIFY(!parse_scorers("cds,perplexity", &bad, &err));
    QVERIFY2(err.find("perplexity") != std::string::npos, err.c_str());
    QVERIFY(!parse_scorers("", &bad, &err));
    bad.lexical_distance = -3;
    QVERIFY(!parse_scorers("lexical", &bad, &err));
    QVERIFY2(err.find("-3") != std::string::npos, err.c_str());
    // LC gain's parameters: set by name, part of the identity, read back; bad ones refused
    ScorerSet lc;
    QVERIFY(set_scorer_option(&lc, "lcgain-window", "2048", &err));
    QVERIFY(set_scorer_option(&lc, "lcgain-beta", "-1.5", &err));
    QVERIFY(parse_scorers("cds,lcgain", &lc, &err));
    QCOMPARE(lc.lcgain_params.window, int64_t(2048));
    QCOMPARE(lc.lcgain_params.beta, -1.5);
    QCOMPARE(scorers_from_json(params_json(LadmParams{}, lc)), lc);
    ScorerSet lc2 = lc;
    lc2.lcgain_params.stride = 512;
    QVERIFY(params_json(LadmParams{}, lc2) != params_json(LadmParams{}, lc));
    ScorerSet cds_only = lc2; // the options of scorers not asked for change nothing
    QVERIFY(parse_scorers("cds", &cds_only, &err));
    QCOMPARE(params_json(LadmParams{}, cds_only), params_json(LadmParams{}));
    QCOMPARE(scorers_from_json(R"({"scorers":"cds,lexical","lcgain_window":7})"),
             scorers_from_json(R"({"scorers":"cds,lexical"})"));
    QCOMPARE(selectable_scores(lc),
             (std::vector<std::string>{"cds", "lcgain", "lcgain_key_fraction"}));
    for (auto [name, value] :
         std::vector<std::pair<std::string, std::string>>{{"lcgain-window", "0"},
                                                          {"lcgain-stride", "-4"},
                                                          {"lcgain-window", "12x"},
                                                          {"lcgain-alpha", "nan"},
                                                          {"lcgain-beta", ""},
                                                          {"lexical-distance", "1e3"}}) {
        QVERIFY2(!set_scorer_option(&lc, name, value, &err), (name + "=" + value).c_str());
        QVERIFY2(err.find("--" + name) != std::string::npos, err.c_str());
    }
    // a damaged record (a window that is not an integer) reads as CDS alone
    QCOMPARE(scorers_from_json(R"({"scorers":"cds,lcgain","lcgain_window":"4096"})"), plain);
    QCOMPARE(scorers_from_json(R"({"scorers":"cds,lcgain","lcgain_window":0})"), plain);

    const int64_t run = f.cache->run_id("fp", params_json(LadmParams{}, three), "v1", &err);
    QVERIFY(run != f.cache->run_id("fp", params_json(LadmParams{}), "v1", &err));
    QCOMPARE(run_scorers(*f.cache, run), three);
    StoredResult r;
    r.status = "ok";
    r.cds = 0.5;
    r.scores = {{"lexical", 0.125}, {"longattn_proportion", 0.3}, {"skipped", std::nan("")}};
    QVERIFY2(f.cache->put_result(run, f.ids[0], r, &err), err.c_str());
    r.cds = 0.25;
    r.scores = {{"lexical", 0.0625}};
    QVERIFY(f.cache->put_result(run, f.ids[1], r, &err));
    const auto got = f.cache->result(run, f.ids[0]);
    QCOMPARE(got->scores.size(), size_t(2)); // NaN: no row
    QCOMPARE(got->scores.at("lexical"), 0.125);
    QCOMPARE(f.cache->score_names(run),
             (std::vector<std::string>{"lexical", "longattn_proportion"}));
    const auto rows = f.cache->results(run);
    QCOMPARE(rows.size(), size_t(2));
    for (const auto& row : rows) {
        QCOMPARE(row.score("cds"), row.sample_id == f.ids[0] ? 0.5 : 0.25);
        QCOMPARE(row.score("lexical"), row.sample_id == f.ids[0] ? 0.125 : 0.0625);
        QCOMPARE(std::isnan(row.score("longattn_proportion")), row.sample_id != f.ids[0]);
    }
    QCOMPARE(f.cache->find_sample(run, "s1")->score("lexical"), 0.0625);
    // storing a result again replaces its scores
    r.scores = {{"longattn_uniformity", 2.0}};
    QVERIFY(f.cache->put_result(run, f.ids[1], r, &err));
    QCOMPARE(f.cache->result_row(run, f.ids[1])->scores,
             (std::map<std::string, double>{{"longattn_uniformity", 2.0}}));
    // a merge copies them
    QTemporaryDir tmp;
    auto other = Cache::open(tmp.filePath("m.db").toStdString(), &err);
    QVERIFY2(other, err.c_str());
    int64_t n = 0;
    QVERIFY2(other->ingest(f.cache->path(), &n, &err), err.c_str());
    const auto runs = other->runs();
    QCOMPARE(runs.size(), size_t(2));
    int64_t merged = 0;
    for (const auto& ri : runs)
        if (scorers_from_json(ri.params) == three) merged = ri.id;
    QVERIFY(merged > 0);
    QCOMPARE(other->find_sample(merged, "s0")->score("lexical"), 0.125);
    QCOMPARE(other->find_sample(merged, "s1")->score("longattn_uniformity"), 2.0);
}

// The corpus table's queries: every indexed sample, pending ones too, filtered, sorted and
// paged; paging through any sort gives the same rows as one read.
void TestStore::tableQueriesListPendingSamples() {
    QTemporaryDir tmp;
    std::string err;
    auto cache = Cache::open(tmp.filePath("t.db").toStdString(), &err);
    QVERIFY2(cache, err.c_str());
    const std::string a = tmp.filePath("a.jsonl").toStdString();
    std::ofstream(a) << "x\n";
    FileInfo fa;
    int64_t fid = 0, inval = 0;
    QVERIFY(stat_file(a, &fa, &err) && cache->register_file(fa, &fid, &inval, &err));
    std::vector<int64_t> ids;
    for (int i = 0; i < 10; ++i) {
        Sample s;
        s.id = "s" + std::to_string(i);
        s.domain = i % 2 ? "B" : "A";
        s.chars = 100 + i;
        s.text_hash = uint64_t(i + 1);
        s.loc = {a, i + 1, uint64_t(i), 1};
        ids.push_back(cache->upsert_sample(fid, s, &err));
    }
    QCOMPARE(cache->count_samples(0, {}), int64_t(10)); // no run yet: all pending
    QCOMPARE(cache->status_counts(0)[kPendingStatus], int64_t(10));
    const int64_t run = cache->run_id("fp", "{}", "v", &err, "my-model");
    QCOMPARE(QString::fromStdString(cache->runs().front().model), QString("my-model"));
    const double cds[] = {0.3, 0.1, 0.5, NAN, 0.2, 0.4};
    for (int i = 0; i < 6; ++i) {
        StoredResult r;
        r.status = std::isnan(cds[i]) ? "too_short" : "ok";
        r.cds = std::isnan(cds[i]) ? 0 : cds[i];
        r.tokens = 1000 - i;
        QVERIFY2(cache->put_result(run, ids[size_t(7 - i)], r, &err), err.c_str()); // s7..s2
    }
    const auto all = cache->sample_rows(run, {}, 0, 100);
    QCOMPARE(all.size(), size_t(10));
    int pending = 0;
    for (const auto& r : all)
        pending += r.status == kPendingStatus;
    QCOMPARE(pending, 4);
    QCOMPARE(QString::fromStdString(all[0].status), QString("pending")); // s0
    QCOMPARE(all[0].chars, int64_t(100));
    QVERIFY(std::isnan(all[0].cds));
    QCOMPARE(cache->status_counts(run)["ok"], int64_t(5));
    QCOMPARE(cache->status_counts(run)[kPendingStatus], int64_t(4));
    SampleFilter pend;
    pend.status = kPendingStatus;
    QCOMPARE(cache->count_samples(run, pend), int64_t(4));
    SampleFilter domB;
    domB.domain = "B";
    QCOMPARE(cache->count_samples(run, domB), int64_t(5));
    SampleFilter high;
    high.min_cds = 0.25;
    QCOMPARE(cache->count_samples(run, high), int64_t(3));

    // CDS descending: the scored ones by CDS, then the pending ones in corpus order.
    SampleQuery q;
    q.sort = SampleSort::Cds;
    q.descending = true;
    QStringList keys;
    for (const auto& r : cache->sample_rows(run, q, 0, 100))
        keys << QString::fromStdString(r.key);
    QCOMPARE(keys.join(","), QString("s5,s2,s7,s3,s6,s4,s0,s1,s8,s9"));
    // Any sort, any page size: the pages put together are the one read.
    for (auto sort : {SampleSort::Corpus, SampleSort::Domain, SampleSort::Tokens, SampleSort::Cds,
                      SampleSort::Status, SampleSort::Decision})
        for (bool desc : {false, true})
            for (const SampleFilter& f : {SampleFilter{}, domB, pend, high}) {
                const SampleQuery pq{f, sort, desc};
                const auto whole = cache->sample_rows(run, pq, 0, 100);
                QCOMPARE(int64_t(whole.size()), cache->count_samples(run, f));
                std::vector<int64_t> paged, expect;
                for (int64_t off = 0; off < 12; off += 3)
                    for (const auto& r : cache->sample_rows(run, pq, off, 3))
                        paged.push_back(r.sample_id);
                for (const auto& r : whole)
                    expect.push_back(r.sample_id);
                QCOMPARE(paged, expect);
            }
    // Pending only, sorted by a result column: the pending samples.
    QCOMPARE(cache->sample_rows(run, SampleQuery{pend, SampleSort::Cds, true}, 0, 100).size(),
             size_t(4));
    // A sample's location, scored or not.
    const auto s0 = cache->sample(ids[0]);
    QVERIFY(s0);
    QCOMPARE(QString::fromStdString(s0->key), QString("s0"));
    QCOMPARE(s0->loc.line, int64_t(1));
    QVERIFY(!cache->sample(99999));
    QCOMPARE(cache->domains(), (std::vector<std::string>{"A", "B"}));
}

void TestStore::runLabels() {
    RunInfo r;
    r.id = 3;
    r.model = "calculator";
    r.params = params_json(LadmParams{});
    r.created = "2026-12-03T17:20:05Z";
    r.results = 200;
    QCOMPARE(QString::fromStdString(run_label(r)),
             QString("run 3: calculator, default parameters (2026-12-03 17:20 UTC), 200 results"));
    LadmParams p;
    p.span = 64;
    p.max_len = 8192;
    r.params = params_json(p);
    r.model.clear();
    r.fingerprint = "a5166efddd547c1c";
    QCOMPARE(QString::fromStdString(run_label(r)),
             QString("run 3: model a5166efd, span 64, max_len 8192 (2026-12-03 17:20 UTC), 200 "
                     "results"));
    ScorerSet sc;
    sc.lcgain_params.window = 2048;
    std::string err;
    QVERIFY(parse_scorers("cds,lcgain", &sc, &err));
    r.params = params_json(LadmParams{}, sc);
    QCOMPARE(QString::fromStdString(run_label(r)),
             QString("run 3: model a5166efd, scores cds,lcgain, lcgain window 2048/1024 "
                     "(2026-12-03 17:20 UTC), 200 results"));
    QCOMPARE(QString::fromStdString(model_name("/x/y/calculator/")), QString("calculator"));
}

QTEST_APPLESS_MAIN(TestStore)
#include "tst_store.moc"
