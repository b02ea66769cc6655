// The desktop app under the offscreen platform: item models checked by
// QAbstractItemModelTester, a full flow (open a corpus, score it with a tiny checkpoint in
// the background, set a budget, override a sample, export, verify the file), and the
// longest event-loop stall while scoring.
#include "core/corpus/corpus.h"
#include "core/curate/score_table.h"
#include "core/jobs/score_job.h"
#include "core/model/engine.h"
#include "core/store/cache.h"
#include "core/store/run_params.h"
#include "core/text/tokenizer.h"
#include "tests/support/tiny_model.h"
#include "ui/agreement_view.h"
#include "ui/corpus_table_model.h"
#include "ui/domain_summary_model.h"
#include "ui/main_window.h"
#include "ui/sample_viewer.h"
#include "ui/selection_panel.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdio>
#include <set>

using namespace ladm;
using namespace ladm::ui;

class TestUi : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase();
    void tableModelUnderTester();
    void summaryModelUnderTester();
    void fullFlow();
    void inspectWhileScoring();
    void agreementView();

  private:
    // The app on the tiny model, scoring `corpus` into `cache` as soon as it starts.
    StudioOptions scoringOptions(const QString& corpus, const QString& cache) const {
        StudioOptions o;
        o.modelDir = m_model;
        o.inputs = {corpus};
        o.cachePath = cache;
        o.startScoring = true;
        o.params.span = 16;
        o.params.d_afs = 2;
        o.params.d_cds = 2;
        o.device = "cpu";
        return o;
    }
    QTemporaryDir m_tmp;
    QString m_model, m_corpus, m_cache;
};

void TestUi::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    m_model = m_tmp.filePath("model");
    QCOMPARE(QString::fromStdString(test::write_scoring_model(m_model.toStdString())), QString());
    m_corpus = m_tmp.filePath("corpus.jsonl");
    QProcess fx;
    fx.start(LADM_FIXTURE, {"corpus", m_corpus, "40", "1500", "5"});
    QVERIFY(fx.waitForFinished() && fx.exitCode() == 0);
    { // one long document (32K tokens after truncation) for the viewer's rendering cost
        QFile f(m_corpus);
        QVERIFY(f.open(QIODevice::Append));
        QString text;
        for (int i = 0; text.size() < 40000; ++i)
            text += QString("word%1 long document text\n").arg(i % 997);
        f.write(QJsonDocument(QJsonObject{{"id", "longdoc"},
                                          {"text", text},
                                          {"meta", QJsonObject{{"pile_set_name", "Books"}}}})
                    .toJson(QJsonDocument::Compact) +
                "\n");
    }
    m_cache = m_tmp.filePath("ui.db");
}

void TestUi::tableModelUnderTester() {
    // A cache with results written directly (no model needed).
    const QString path = m_tmp.filePath("table.db");
    std::string err;
    {
        auto c = Cache::open(path.toStdString(), &err);
        QVERIFY(c);
        FileInfo fi;
        QVERIFY(stat_file(m_corpus.toStdString(), &fi, &err));
        int64_t fid = 0, inval = 0;
        c->register_file(fi, &fid, &inval, &err);
        const int64_t run = c->run_id("fp", "{}", "v", &err);
        for (int i = 0; i < 1234; ++i) {
            Sample s;
            s.id = "s" + std::to_string(i);
            s.domain = i % 3 ? "Books" : "ArXiv";
            s.loc = {fi.path, i + 1, 0, 1};
            const int64_t sid = c->upsert_sample(fid, s, &err);
            StoredResult r;
            r.status = i % 10 ? "ok" : "too_short";
            // s7: as small as a calibrated small calculator's scores (~1e-4)
            r.cds = i == 7 ? 0.000234 : (i * 37 % 101) / 100.0;
            r.tokens = 1000 + i;
            c->put_result(run, sid, r, &err);
        }
    }
    CorpusTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QString qerr;
    QVERIFY(model.open(path, 1, &qerr));
    QCOMPARE(model.totalRows(), qint64(1234));
    QCOMPARE(model.rowCount(), CorpusTableModel::kPage); // fetched on demand
    while (model.canFetchMore({}))
        model.fetchMore({});
    QCOMPARE(model.rowCount(), 1234);
    // CDS is shown to 4 significant digits, so small scores stay distinguishable
    int shown = 0;
    for (int r = 0; r < model.rowCount(); ++r)
        if (model.rowData(r)->key == "s7") {
            QCOMPARE(model.data(model.index(r, CorpusTableModel::Cds), Qt::DisplayRole).toString(),
                     QString("0.000234"));
            ++shown;
        }
    QCOMPARE(shown, 1);
    model.sort(CorpusTableModel::Cds, Qt::DescendingOrder);
    QVERIFY(model.rowData(0)->cds >= model.rowData(1)->cds);
    TableFilter f;
    f.domain = "ArXiv";
    f.status = "ok";
    f.minCds = 0.5;
    model.setFilter(f);
    for (int r = 0; r < model.rowCount(); ++r) {
        QCOMPARE(model.rowData(r)->domain, QString("ArXiv"));
        QVERIFY(model.rowData(r)->cds >= 0.5);
    }
    f = TableFilter();
    f.search = "s12";
    model.setFilter(f);
    // ids containing "s12": s12, s120..s129, s1200..s1233 (1234 samples: s0..s1233)
    QCOMPARE(model.totalRows(), qint64(1 + 10 + 34));
}

void TestUi::summaryModelUnderTester() {
    DomainSummaryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    std::vector<Candidate> c = {{1, "A", 0.9, 100}, {2, "A", 0.1, 100}, {3, "B", 0.5, 50}};
    SelectionRecipe rc;
    rc.mode = SelectMode::Top;
    rc.top_count = 2;
    model.setResult(select_samples(c, rc), 0);
    QCOMPARE(model.rowCount(), 3); // A, B, total
    QCOMPARE(
        model.data(model.index(2, DomainSummaryModel::KeptSamples), Qt::DisplayRole).toString(),
        QString("2"));
    rc.top_count = 1;
    model.setResult(select_samples(c, rc), 0);
    QCOMPARE(
        model.data(model.index(2, DomainSummaryModel::KeptSamples), Qt::DisplayRole).toString(),
        QString("1"));
}

void TestUi::fullFlow() {
    const StudioOptions o = scoringOptions(m_corpus, m_cache);
    MainWindow w(o);
    w.show();
    QAbstractItemModelTester tester(w.tableModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);

    // Longest gap between 5 ms timer ticks while the worker scores = the longest stall.
    QElapsedTimer clock;
    clock.start();
    qint64 last = 0, worst = 0;
    QTimer tick;
    tick.setInterval(5);
    connect(&tick, &QTimer::timeout, this, [&] {
        const qint64 now = clock.elapsed();
        worst = std::max(worst, now - last);
        last = now;
    });
    QSignalSpy done(&w, &MainWindow::scoringFinished);
    tick.start();
    last = clock.elapsed();
    QVERIFY(done.wait(300000));
    tick.stop();
    std::printf("longest event-loop stall while scoring: %lld ms\n", (long long)worst);
    QVERIFY2(worst < 1000, qPrintable(QString("the event loop stalled for %1 ms").arg(worst)));
    QCOMPARE(done.first().first().toBool(), true);
    QVERIFY(!w.isScoring());

    // Results are in the table and the selection.
    QTRY_COMPARE_WITH_TIMEOUT(w.tableModel()->totalRows(), qint64(41), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(int(w.selection().domains.size()), 3, 20000);

    // The long document (32768 tokens scored) renders without stalling the event loop.
    {
        qint64 longId = 0;
        for (int r = 0; r < w.tableModel()->rowCount(); ++r)
            if (w.tableModel()->rowData(r)->key == "longdoc")
                longId = w.tableModel()->rowData(r)->sampleId;
        QVERIFY(longId);
        QSignalSpy shownLong(&w, &MainWindow::sampleShown);
        worst = 0;
        tick.start();
        last = clock.elapsed();
        w.showSample(longId);
        QVERIFY(shownLong.wait(60000));
        QTest::qWait(200);
        tick.stop();
        QCOMPARE(w.viewer()->current().tokens, qint64(32768));
        std::printf("longest event-loop stall while showing a 32768-token sample (%lld query "
                    "spans): %lld ms\n",
                    (long long)w.viewer()->current().spanStarts.size(), (long long)worst);
        QVERIFY2(worst < 1000,
                 qPrintable(QString("showing a long sample stalled for %1 ms").arg(worst)));
    }

    // A budget of about half the tokens, reference mode.
    int64_t total = 0;
    for (const auto& [d, s] : w.selection().domains)
        total += s.total_tokens;
    w.selectionPanel()->setMode("reference");
    w.selectionPanel()->setBudgetText(QString::number(total / 2));
    QTRY_VERIFY_WITH_TIMEOUT(w.selection().kept_tokens < total, 5000);
    const auto kept = w.selection().kept;
    QVERIFY(!kept.empty());

    // Inspect one kept sample, then reject it by hand.
    QSignalSpy shown(&w, &MainWindow::sampleShown);
    w.showSample(kept.front());
    QVERIFY(shown.wait(20000));
    QVERIFY(!w.viewer()->current().spanStarts.isEmpty());
    { // every query span is tinted: a non-empty stretch of text with a background colour
        const auto* text = w.viewer()->findChild<QPlainTextEdit*>();
        QVERIFY(text);
        const auto sel = text->extraSelections();
        QCOMPARE(sel.size(), w.viewer()->current().spanStarts.size());
        for (const auto& x : sel) {
            QVERIFY2(x.cursor.hasSelection(), "a query span's tint covers no text");
            QVERIFY(x.format.background().color() != QColor(Qt::white));
        }
    }
    QCOMPARE(w.viewer()->current().mass.size(),
             w.viewer()->current().spanStarts.size() * w.viewer()->current().windows);
    // the strongest distant windows of every query span: at least 2 spans back, never
    // within the first C tokens (the BOS sink, which LADM never scores)
    {
        const auto& cur = w.viewer()->current();
        int listed = 0;
        for (int i = 0; i < cur.spanStarts.size(); ++i)
            for (const auto& [begin, mass] : w.viewer()->strongestWindows(i, 1000)) {
                QVERIFY(begin >= cur.span);
                QVERIFY(cur.spanStarts[i] - begin >= 2 * cur.span);
                ++listed;
            }
        QVERIFY(listed > 0);
    }
    w.setDecision(kept.front(), "reject", "test");
    QTRY_VERIFY_WITH_TIMEOUT(std::find(w.selection().kept.begin(), w.selection().kept.end(),
                                       kept.front()) == w.selection().kept.end(),
                             20000);

    // Export and verify: exactly the kept samples, records intact, the rejected one absent.
    const QString out = m_tmp.filePath("export/kept.jsonl");
    QDir().mkpath(m_tmp.filePath("export"));
    QString err;
    QVERIFY2(w.exportTo(out, {}, "jsonl", &err), qPrintable(err));
    std::string serr;
    auto r = CorpusReader::open({out.toStdString()}, CorpusOptions{}, &serr);
    QVERIFY2(r, serr.c_str());
    Sample s;
    int n = 0;
    std::string rejected_key;
    {
        auto c = Cache::open(m_cache.toStdString(), &serr);
        for (const auto& row : c->results(c->latest_run()))
            if (row.sample_id == kept.front()) rejected_key = row.key;
    }
    while (r->next(&s)) {
        ++n;
        QVERIFY(s.id != rejected_key);
        QVERIFY(!s.text.empty());
    }
    QCOMPARE(n, int(w.selection().kept.size()));
    // The recipe comes from the same core function as `ladm select`'s: the totals it
    // writes, and only the parameters of the mode (the panel holds a threshold and a top
    // fraction whatever the mode; the app's own copy used to write them, and no totals).
    QFile sj(m_tmp.filePath("export/selection.json"));
    QVERIFY(sj.open(QIODevice::ReadOnly));
    const QJsonObject recipe =
        QJsonDocument::fromJson(sj.readAll()).object()["selection"].toObject()["recipe"].toObject();
    QCOMPARE(recipe["mode"].toString(), QString("reference"));
    QCOMPARE(recipe["kept_samples"].toInteger(), qint64(w.selection().kept.size()));
    QCOMPARE(recipe["kept_tokens"].toInteger(), qint64(w.selection().kept_tokens));
    QVERIFY(!recipe.contains("threshold") && !recipe.contains("top_fraction"));
    QVERIFY(recipe.contains("percent") && recipe.contains("domains"));

    // The same selection made with `ladm select` and exported with `ladm export` to the
    // same place writes the same selection.json, byte for byte but for its creation time.
    auto withoutCreated = [](QByteArray text) {
        QByteArrayList lines = text.split('\n');
        lines.removeIf([](const QByteArray& l) { return l.startsWith("  \"created\": "); });
        return lines.join('\n');
    };
    sj.seek(0);
    const QByteArray fromApp = sj.readAll();
    sj.close();
    QVERIFY(QFile::remove(m_tmp.filePath("export/selection.json")));
    auto ladm = [](const QStringList& args) {
        QProcess p;
        p.start(LADM_CLI, args);
        const bool ok = p.waitForFinished(60000) && p.exitCode() == 0;
        if (!ok)
            qWarning("ladm %s: %s", qPrintable(args.join(' ')), p.readAllStandardError().data());
        return ok;
    };
    QVERIFY(ladm({"select", "--cache", m_cache, "--mode", "reference", "--budget",
                  QString::number(total / 2)}));
    QVERIFY(ladm({"export", "--cache", m_cache, out}));
    QVERIFY(sj.open(QIODevice::ReadOnly));
    const QByteArray fromCli = sj.readAll();
    QVERIFY(fromApp.contains("\"created\""));
    QCOMPARE(withoutCreated(fromCli), withoutCreated(fromApp));
}

// Inspection never waits for scoring: while a run of > 30 s goes on, and while it is
// paused, a scored sample's text, span tint and heatmap arrive within a second; a layer
// switch shows "computing layer" at once and then that layer; the run's results are
// complete and the same as those of an undisturbed run.
void TestUi::inspectWhileScoring() {
    const QString corpus = m_tmp.filePath("slow.jsonl"), cache = m_tmp.filePath("slow.db");
    QProcess fx;
    fx.start(LADM_FIXTURE, {"corpus", corpus, "24", "8000", "11"});
    QVERIFY(fx.waitForFinished() && fx.exitCode() == 0);
    const StudioOptions o = scoringOptions(corpus, cache);
    MainWindow w(o);
    w.show();
    QElapsedTimer runClock;
    runClock.start();
    QSignalSpy done(&w, &MainWindow::scoringFinished);

    // The whole corpus is listed (pending) before it is scored.
    QTRY_COMPARE_WITH_TIMEOUT(w.tableModel()->totalRows(), qint64(24), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(w.tableModel()->statusCounts().value("pending") > 0, 20000);
    { // a pending sample's text opens before it is scored
        const RowData* last = w.tableModel()->rowData(23);
        QVERIFY(last);
        QCOMPARE(last->status, QString("pending"));
        w.showSample(last->sampleId);
        QTRY_VERIFY_WITH_TIMEOUT(w.viewer()->current().sampleId == last->sampleId, 1000);
        QCOMPARE(w.viewer()->current().status, QString("pending"));
        QVERIFY(w.viewer()->current().text.size() >= 8000);
        QVERIFY(w.viewer()->current().spanStarts.isEmpty());
    }

    std::string err;
    auto reader = Cache::open(cache.toStdString(), &err);
    QVERIFY2(reader, err.c_str());
    auto scored = [&] {
        std::vector<qint64> ids;
        if (const int64_t run = reader->latest_run())
            for (const auto& r : reader->results(run))
                if (r.status == "ok") ids.push_back(r.sample_id);
        return ids;
    };
    QTRY_VERIFY_WITH_TIMEOUT(scored().size() >= 2, 60000);
    QVERIFY(w.isScoring());

    auto showWithin = [&](qint64 id, int layer, const char* when) {
        QSignalSpy shown(&w, &MainWindow::sampleShown);
        QElapsedTimer t;
        t.start();
        w.viewer()->setLayer(layer);
        w.showSample(id);
        // the layer mean at once (for a layer: marked "computing"), the layer after it
        QTRY_VERIFY_WITH_TIMEOUT(
            w.viewer()->current().sampleId == id && !w.viewer()->current().text.isEmpty(), 1000);
        const qint64 first = t.elapsed();
        const auto& cur = w.viewer()->current();
        QVERIFY(!cur.spanStarts.isEmpty());
        QVERIFY(!cur.heatmap.isNull());
        QCOMPARE(cur.status, QString("ok"));
        if (layer >= 0) {
            QVERIFY(cur.computingLayer == layer || cur.layer == layer);
            QVERIFY(shown.wait(30000));
            QCOMPARE(w.viewer()->current().layer, layer);
        }
        std::printf("%s: sample shown after %lld ms (layer %d done after %lld ms)\n", when,
                    (long long)first, layer, (long long)t.elapsed());
    };
    const auto ids = scored();
    showWithin(ids[0], -1, "while scoring");
    if (QTest::currentTestFailed()) return;
    showWithin(ids[1], 1, "while scoring, layer 1");
    if (QTest::currentTestFailed()) return;
    QVERIFY(w.isScoring());

    // Paused: the run waits between samples, the app answers as before.
    w.setPaused(true);
    // the sample in flight finishes and the worker holds between samples
    QTRY_VERIFY_WITH_TIMEOUT(w.scoringHeld(), 120000);
    QTest::qWait(300); // its result reaches the cache's readers
    const size_t atPause = scored().size();
    showWithin(ids[0], -1, "while paused");
    if (QTest::currentTestFailed()) return;
    QTest::qWait(1500);
    QCOMPARE(scored().size(), atPause);
    QVERIFY(w.isScoring());
    w.setPaused(false);

    QVERIFY(done.wait(300000));
    QCOMPARE(done.first().first().toBool(), true);
    std::printf("the disturbed run took %.1f s\n", runClock.elapsed() / 1000.0);

    // The same corpus scored undisturbed, with the same engine code and parameters.
    EngineOptions eo;
    eo.device = "cpu";
    auto engine = Engine::open(m_model.toStdString(), eo, &err);
    auto tok = Tokenizer::from_dir(m_model.toStdString(), &err);
    QVERIFY2(engine && tok, err.c_str());
    ScoreJobOptions jo;
    jo.inputs = {corpus.toStdString()};
    jo.cache_path = m_tmp.filePath("undisturbed.db").toStdString();
    jo.params = o.params;
    ScoreJobSummary sum;
    QVERIFY2(run_score_job(*engine, *tok, jo, nullptr, nullptr, &sum, &err), err.c_str());
    auto other = Cache::open(jo.cache_path, &err);
    std::map<std::string, std::pair<std::string, double>> a, b;
    for (const auto& r : reader->results(reader->latest_run()))
        a[r.key] = {r.status, r.cds};
    for (const auto& r : other->results(other->latest_run()))
        b[r.key] = {r.status, r.cds};
    QCOMPARE(int(a.size()), 24);
    QVERIFY(a == b);
}

// The app scores with three scorers (ladm-studio --scorers); the agreement tab shows the
// numbers core computes on the cache (as ladm stats --compare / --confounds), and its
// disagreements become the review queue.
void TestUi::agreementView() {
    const QString corpus = m_tmp.filePath("agree.jsonl"), cache = m_tmp.filePath("agree.db");
    QProcess fx;
    fx.start(LADM_FIXTURE, {"corpus", corpus, "24", "900", "3"});
    QVERIFY(fx.waitForFinished() && fx.exitCode() == 0);
    StudioOptions o = scoringOptions(corpus, cache);
    std::string err;
    QVERIFY(parse_scorers("cds,longattn,lexical", &o.scorers, &err));
    MainWindow w(o);
    w.show();
    QSignalSpy done(&w, &MainWindow::scoringFinished);
    QVERIFY(done.wait(300000));
    QCOMPARE(done.first().first().toBool(), true);

    AgreementView* view = w.agreement();
    QSignalSpy updated(view, &AgreementView::updated);
    w.tabs()->setCurrentWidget(view);
    QVERIFY(updated.wait(20000));
    QCOMPARE(view->scores(), (QStringList{"cds", "longattn", "lexical"}));
    view->setScores("cds", "lexical");
    QVERIFY(updated.wait(20000));

    auto c = Cache::open(cache.toStdString(), &err);
    QVERIFY2(c, err.c_str());
    const int64_t run = c->latest_run();
    QCOMPARE(run_scorers(*c, run), o.scorers);
    auto rows = c->results(run);
    QVERIFY(add_derived_scores(&rows, {"cds", "longattn", "lexical"}, &err));
    const auto want = score_agreement(rows, "cds", "lexical");
    const auto& got = view->agreement();
    QCOMPARE(got.size(), want.size());
    QVERIFY(want.size() >= 2);
    for (size_t i = 0; i < want.size(); ++i) {
        QCOMPARE(got[i].domain, want[i].domain);
        QCOMPARE(got[i].pairs, want[i].pairs);
        QCOMPARE(got[i].spearman, want[i].spearman);
        QCOMPARE(got[i].kendall, want[i].kendall);
    }
    const auto cf = confounds(rows, {"cds", "longattn", "lexical"});
    QCOMPARE(view->confoundRows().size(), cf.size());
    for (size_t i = 0; i < cf.size(); ++i) {
        QCOMPARE(view->confoundRows()[i].feature, cf[i].feature);
        QCOMPARE(view->confoundRows()[i].warn, cf[i].warn);
    }
    // "Review these": the disagreements become the review queue, the first one shown
    const auto dis = view->disagreementRows();
    QVERIFY(!dis.empty());
    auto* review = view->findChild<QPushButton*>();
    QVERIFY(review && review->isEnabled());
    QSignalSpy shown(&w, &MainWindow::sampleShown);
    review->click();
    QCOMPARE(w.reviewOrder().size(), dis.size());
    QCOMPARE(w.reviewOrder().front(), dis.front().sample_id);
    QTRY_COMPARE_WITH_TIMEOUT(w.currentSample(), dis.front().sample_id, 5000);
}

QTEST_MAIN(TestUi)
#include "tst_ui.moc"
