// ladm-table-bench: what the desktop app's corpus table and selection cost with a large
// cache (default 1,000,000 samples, 90% scored): opening the table (count + first page),
// sorting, filtering, fetching a page (also across the scored / pending boundary), counts
// per status, loading all candidates, one selection pass.
//   ladm-table-bench [--rows N]
#include "core/curate/selection.h"
#include "core/store/cache.h"
#include "ui/corpus_table_model.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>

using namespace ladm;

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    long long rows = 1000000;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == "--rows") rows = std::atoll(argv[i + 1]);
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("ladm-table-bench-" + std::to_string(::getpid()) + ".db"))
                                 .string();
    std::string err;
    QElapsedTimer t;
    t.start();
    {
        auto c = Cache::open(path, &err);
        sql::Transaction tx(c->raw_connection_for_tests());
        c->raw_connection_for_tests().exec(
            "INSERT INTO files(path, size, mtime, hash) VALUES('/data/shard.jsonl', 1, 1, 'h')");
        c->raw_connection_for_tests().exec(
            "INSERT INTO runs(model_fingerprint, params, code_version, created) "
            "VALUES('fp', '{}', 'v', 'now')");
        c->raw_connection_for_tests().exec(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < " +
            std::to_string(rows - 1) +
            ") INSERT INTO samples(sample_key, file_id, line, offset, length, domain, "
            "chars, text_hash, pretokenized) "
            "SELECT 'doc' || i, 1, i + 1, i * 100, 100, CASE i % 5 WHEN 0 THEN 'ArXiv' "
            "WHEN 1 THEN 'Github' "
            "WHEN 2 THEN 'Books' WHEN 3 THEN 'Wikipedia' ELSE 'CommonCrawl' END, 1000, "
            "'h', 0 FROM n");
        c->raw_connection_for_tests().exec(
            "INSERT INTO results(run_id, sample_id, status, cds, tokens, tokens_scored, "
            "seconds, scored_at) "
            "SELECT 1, id, 'ok', (abs(random()) % 100000) / 400000.0, 2305 + "
            "abs(random()) % 30000, 2305, 0, 'now' FROM samples WHERE id % 10 != 0");
        tx.commit(&err);
    }
    std::printf("built a cache of %lld samples (90%% scored, 10%% pending) in %.1f s\n", rows,
                t.elapsed() / 1000.0);

    ui::CorpusTableModel m;
    QString qerr;
    t.restart();
    m.open(QString::fromStdString(path), 1, &qerr);
    std::printf("open table (count + first page): %lld ms, %lld rows\n", (long long)t.elapsed(),
                (long long)m.totalRows());
    t.restart();
    m.sort(ui::CorpusTableModel::Cds, Qt::DescendingOrder);
    std::printf("sort by CDS: %lld ms\n", (long long)t.elapsed());
    t.restart();
    for (int i = 0; i < 10; ++i)
        m.fetchMore({});
    std::printf("fetch 10 more pages: %lld ms\n", (long long)t.elapsed());
    {
        auto c = Cache::open(path, &err);
        SampleQuery q;
        q.sort = SampleSort::Cds;
        q.descending = true;
        t.restart();
        const auto page = c->sample_rows(1, q, rows * 9 / 10 - 100, 500);
        std::printf(
            "page across the scored / pending boundary, sorted by CDS: %lld ms (%zu rows)\n",
            (long long)t.elapsed(), page.size());
        t.restart();
        const auto counts = c->status_counts(1);
        std::printf("counts per status (status bar): %lld ms (%lld pending)\n",
                    (long long)t.elapsed(), (long long)counts.at(kPendingStatus));
    }
    t.restart();
    ui::TableFilter f;
    f.domain = "Books";
    f.minCds = 0.1;
    m.setFilter(f);
    std::printf("filter domain + CDS range: %lld ms, %lld rows\n", (long long)t.elapsed(),
                (long long)m.totalRows());
    t.restart();
    m.refresh();
    std::printf("refresh (live update): %lld ms\n", (long long)t.elapsed());

    t.restart();
    m.sort(ui::CorpusTableModel::Domain, Qt::AscendingOrder);
    std::printf("sort by domain: %lld ms\n", (long long)t.elapsed());
    t.restart();
    m.sort(ui::CorpusTableModel::Status, Qt::DescendingOrder);
    std::printf("sort by status: %lld ms\n", (long long)t.elapsed());
    t.restart();
    m.setFilter(f);
    std::printf("filter domain + CDS range, sorted by status: %lld ms\n", (long long)t.elapsed());
    auto c = Cache::open(path, &err);
    t.restart();
    std::vector<Candidate> cands;
    for (const auto& r : c->results(1, false))
        cands.push_back({r.sample_id, r.domain, r.cds, r.tokens, true, r.override_decision});
    std::printf("load all candidates (background thread in the app): %lld ms\n",
                (long long)t.elapsed());
    SelectionRecipe rc;
    rc.budget = 1000000000;
    t.restart();
    const auto res = select_samples(cands, rc);
    std::printf("reference selection, 1B budget: %lld ms, %zu kept, stopped at %d%%\n",
                (long long)t.elapsed(), res.kept.size(), res.percent);
    if (!std::getenv("LADM_KEEP_DB")) {
        std::filesystem::remove(path);
        std::filesystem::remove(path + "-wal");
        std::filesystem::remove(path + "-shm");
    } else {
        std::printf("kept %s\n", path.c_str());
    }
    return 0;
}
