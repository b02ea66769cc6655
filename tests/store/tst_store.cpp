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
        QVERIFY(c->raw_connection_for_tests().exec("PRAGMA user_version = 99; UPDATE meta SET value = '99' WHERE key = "
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
    // A row an older version stored as ok without a score reads as a failure too.
    auto q = f.cache->raw_connection_for_tests().prepare("UPDATE results SET cds = NULL WHERE sample_id = ?");
    q.bind(1, f.ids[2]);
    QVERIFY(q.run());
    for (const auto& row : f.cache->results(run))
        QCOMPARE(QString::fromStdString(row.status), QString("error"));
}

QTEST_APPLESS_MAIN(TestStore)
#include "tst_store.moc"
