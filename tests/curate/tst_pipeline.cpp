// Export and merge on a really scored corpus: kept and rejected records come out byte for
// byte with the score inserted, selection.json carries the recipe the core wrote, and a
// cluster run's task caches merge into what one run gives.
#include "core/curate/exporter.h"
#include "core/curate/recipe.h"
#include "core/curate/shard_merge.h"
#include "core/jobs/shard_task.h"
#include "tests/support/scoring_fixture.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

using namespace ladm;

namespace {
std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream f(path);
    std::vector<std::string> out;
    for (std::string l; std::getline(f, l);)
        out.push_back(l);
    return out;
}
} // namespace

class TestPipeline : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase();
    void exportKeepsRecordsByteForByte();
    void withScoreInsertsBeforeTheBrace();
    void mergeEqualsOneRun();

  private:
    QTemporaryDir m_tmp;
    std::string m_corpus, m_db;
    int64_t m_run = 0;
    std::unique_ptr<test::Scorer> m_scorer;
    std::string path(const std::string& name) const {
        return m_tmp.filePath(QString::fromStdString(name)).toStdString();
    }
};

void TestPipeline::initTestCase() {
    m_corpus = path("corpus.jsonl");
    test::write_corpus(m_corpus, 12, 200, 9);
    m_scorer = std::make_unique<test::Scorer>(path("model"));
    QVERIFY2(m_scorer->engine, m_scorer->error.c_str());
    m_db = path("all.db");
    ScoreJobSummary sum;
    QVERIFY2(m_scorer->score({m_corpus}, m_db, &sum), m_scorer->error.c_str());
    m_run = sum.run_id;
}

void TestPipeline::exportKeepsRecordsByteForByte() {
    std::string err;
    auto cache = Cache::open(m_db, &err);
    QVERIFY2(cache, err.c_str());
    const auto rows = cache->results(m_run);
    SelectionRecipe rc;
    rc.mode = SelectMode::Top;
    rc.top_count = 5;
    const auto res = select_samples(candidates_of(rows), rc);
    QCOMPARE(res.kept.size(), size_t(5));
    const nlohmann::json recipe = recipe_json(rc, m_run, res);
    QCOMPARE(recipe["kept_samples"].get<int64_t>(), int64_t(5));
    QCOMPARE(recipe["top_count"].get<int64_t>(), int64_t(5));
    QVERIFY(cache->save_selection("default", recipe.dump(), res.kept, &err));

    ExportOptions o;
    o.out_path = path("kept.jsonl");
    o.rejected_path = path("rejected.jsonl");
    ExportSummary sum;
    QVERIFY2(export_selection(*cache, o, &sum, &err), err.c_str());
    QCOMPARE(sum.kept, int64_t(5));
    QCOMPARE(sum.rejected, int64_t(7));

    // Every input line is in exactly one output, unchanged but for the inserted score.
    std::map<std::string, std::string> input; // id -> line
    for (const auto& l : lines_of(m_corpus))
        input[nlohmann::json::parse(l)["id"]] = l;
    std::map<std::string, double> cds;
    for (const auto& r : rows)
        cds[r.key] = r.cds;
    size_t seen = 0;
    for (const auto* file : {&o.out_path, &o.rejected_path})
        for (const auto& l : lines_of(*file)) {
            const auto j = nlohmann::json::parse(l);
            const std::string id = j["id"];
            const std::string score =
                j["ladm_cds"].is_null() ? "null" : nlohmann::json(cds[id]).dump();
            QCOMPARE(QString::fromStdString(l),
                     QString::fromStdString(with_score(input[id], "ladm_cds", score)));
            ++seen;
        }
    QCOMPARE(seen, input.size());

    std::ifstream sj(sum.recipe_path);
    const auto doc = nlohmann::json::parse(sj);
    QCOMPARE(doc["selection"]["recipe"], recipe);
    QCOMPARE(doc["exported_samples"].get<int64_t>(), int64_t(5));
    QCOMPARE(doc["run"]["model_fingerprint"].get<std::string>(),
             m_scorer->engine->info().fingerprint);
}

void TestPipeline::withScoreInsertsBeforeTheBrace() {
    QCOMPARE(QString::fromStdString(with_score(R"({"a": 1} )", "s", "0.5")),
             QString(R"({"a": 1, "s": 0.5} )"));
    QCOMPARE(QString::fromStdString(with_score("{ }", "s", "null")), QString(R"({ "s": null})"));
}

void TestPipeline::mergeEqualsOneRun() {
    const std::string dir = path("tasks");
    for (int k = 0; k < 3; ++k) {
        const ShardTask task{dir, k, 3};
        std::filesystem::create_directories(dir);
        ScoreJobSummary sum;
        QVERIFY(m_scorer->score({m_corpus}, task.db_path(), &sum, k, 3));
        std::string err;
        QVERIFY2(shard_task_finished(task, m_scorer->engine->info().fingerprint,
                                     test::small_params(), sum, &err),
                 err.c_str());
    }
    std::string err;
    auto merged = Cache::open(path("merged.db"), &err);
    QVERIFY2(merged, err.c_str());
    MergeReport rep;
    QVERIFY2(merge_shards(*merged, dir, &rep, &err), err.c_str());
    QCOMPARE(rep.tasks, 3);
    QCOMPARE(rep.complete.size(), size_t(3));
    QVERIFY(rep.missing.empty() && rep.failed.empty() && rep.incomplete.empty());
    QCOMPARE(rep.results_merged, int64_t(12));

    auto one = Cache::open(m_db, &err);
    std::map<std::string, std::pair<std::string, double>> a, b;
    for (const auto& r : one->results(m_run))
        a[r.key] = {r.status, r.status == "ok" ? r.cds : 0.0}; // not ok: NaN, no score
    for (const auto& r : merged->results(merged->latest_run()))
        b[r.key] = {r.status, r.status == "ok" ? r.cds : 0.0};
    QCOMPARE(b.size(), a.size());
    QVERIFY(a == b); // same statuses, bit-identical CDS

    // Merging again adds nothing.
    MergeReport again;
    QVERIFY(merge_shards(*merged, dir, &again, &err));
    QCOMPARE(merged->count("results"), int64_t(12));
}

QTEST_GUILESS_MAIN(TestPipeline)
#include "tst_pipeline.moc"
