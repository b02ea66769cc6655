// The `ladm` command line end to end, run as a user runs it (a child process): scoring
// with bad input in the corpus, resume after the scorer is killed with SIGKILL, select,
// override, export round trip, stats, show.
#include "core/corpus/corpus.h"
#include "core/corpus/jsonl_writer.h"
#include "core/jobs/score_job.h"
#include "core/store/cache.h"
#include "tests/support/tiny_model.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

using namespace ladm;

namespace {

struct Run {
    int code = -1;
    QString out, err;
};

Run ladm_run(const QStringList& args, int timeout_ms = 300000) {
    QProcess p;
    p.start(LADM_BIN, args);
    p.waitForFinished(timeout_ms);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

// n records over three domains; text lengths vary so CDS and token counts differ.
std::vector<std::string> corpus_lines(int n, int min_len, uint64_t seed) {
    const char* domains[] = {"ArXiv", "Github", "Books"};
    const char* words[] = {"alpha", "beta",    "gamma", "delta", "omega",
                           "long",  "context", "data",  "model", "span"};
    std::mt19937_64 rng(seed);
    std::vector<std::string> lines;
    for (int i = 0; i < n; ++i) {
        std::string text;
        const int len = min_len + int(rng() % uint64_t(min_len));
        while (int(text.size()) < len)
            text += std::string(words[rng() % 10]) + (rng() % 7 ? " " : "\n");
        nlohmann::json j = {{"id", "doc" + std::to_string(i)},
                            {"text", text},
                            {"meta", {{"pile_set_name", domains[i % 3]}}}};
        lines.push_back(j.dump());
    }
    return lines;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
    std::ofstream f(path);
    for (const auto& l : lines)
        f << l << "\n";
}

const QStringList kParams = {"--span", "16",       "--d-afs", "2",      "--d-cds",
                             "2",      "--device", "cpu",     "--quiet"};

} // namespace

class TestCli : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase();
    void helpAndVersion();
    void studioHelpWithoutDisplay();
    void hugeRecordFailsAlone();
    void scoreReportsBadInputAndResumesFromCache();
    void killedRunResumes();
    void selectOverrideExportRoundTrip();
    void statsAndShow();
    void compressedShardIsIndexedWhileScoring();

  private:
    QTemporaryDir m_tmp;
    QString m_model, m_corpus, m_db;
    std::vector<std::string> m_lines;
};

void TestCli::initTestCase() {
    m_model = m_tmp.filePath("model");
    QCOMPARE(QString::fromStdString(test::write_scoring_model(m_model.toStdString())), QString());
    m_corpus = m_tmp.filePath("corpus.jsonl");
    m_lines = corpus_lines(24, 300, 1);
    m_lines.insert(m_lines.begin() + 4, "{not json"); // line 5
    m_lines.push_back(
        R"({"id": "short", "text": "too short to score", "meta": {"pile_set_name": "Books"}})");
    write_lines(m_corpus.toStdString(), m_lines);
    m_db = m_tmp.filePath("scores.db");
}

void TestCli::studioHelpWithoutDisplay() {
#ifdef LADM_STUDIO_BIN
    // On a server without a display: --help and --version answer (they used to print
    // nothing: the QApplication aborted first).
    for (const char* arg : {"--help", "--version"}) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char* k : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
            env.remove(k);
        p.setProcessEnvironment(env);
        p.start(LADM_STUDIO_BIN, {arg});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        const QString out = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(out.contains(QString(arg) == "--help" ? "--model" : "LADM Studio"),
                 qPrintable(out));
    }
#else
    QSKIP("built without the desktop app");
#endif
}

void TestCli::hugeRecordFailsAlone() {
    // A 300 MB record allowed by --max-line-bytes, on a machine whose memory (here: a 1 GB
    // address-space limit) cannot hold it: that record is reported and skipped, the others
    // are scored. It used to end the run with an uncaught std::bad_alloc (exit 134).
    const std::string path = m_tmp.filePath("huge.jsonl").toStdString();
    {
        std::ofstream f(path);
        f << m_lines[0] << "\n"
          << m_lines[1] << "\n"
          << R"({"id": "huge", "text": ")";
        const std::string chunk(1 << 20, 'x');
        for (int i = 0; i < 300; ++i)
            f << chunk;
        f << "\"}\n" << m_lines[2] << "\n";
    }
    QProcess p;
    p.start("sh", QStringList{"-c", "ulimit -v 1000000 && exec \"$0\" \"$@\"", LADM_BIN, "score",
                              "--model", m_model, "--cache", m_tmp.filePath("huge.db"),
                              "--max-line-bytes", "400M"}
                      << kParams << QString::fromStdString(path));
    QVERIFY(p.waitForFinished(300000));
    const QString err = QString::fromUtf8(p.readAllStandardError());
    std::remove(path.c_str());
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QVERIFY2(p.exitCode() == 0, qPrintable(err));
    QVERIFY2(err.contains("huge.jsonl:3") && err.contains("does not fit in memory"),
             qPrintable(err));
    std::string e;
    auto cache = Cache::open(m_tmp.filePath("huge.db").toStdString(), &e);
    QVERIFY2(cache, e.c_str());
    QCOMPARE(cache->results(cache->latest_run()).size(), size_t(3));
}

void TestCli::helpAndVersion() {
    QVERIFY(ladm_run({"--version"}).out.startsWith("ladm "));
    for (const char* cmd : {"score", "select", "export", "stats", "show", "override", "tokenize"}) {
        const Run r = ladm_run({cmd, "--help"});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains("usage: ladm"), cmd);
    }
    QCOMPARE(ladm_run({"score", "--bogus"}).code, 64);
    QCOMPARE(ladm_run({"nonsense"}).code, 64);
    // calibrate-calculator: lists of numbers, checked before any model or text is read
    QVERIFY(ladm_run({"calibrate-calculator", "--help"}).out.contains("--scales"));
    for (const char* bad : {"1,x", "1,,2", "1.5abc"}) {
        const Run r = ladm_run({"calibrate-calculator", "--model", m_model, "--scales", bad});
        QCOMPARE(r.code, 64);
        QVERIFY2(r.err.contains("comma-separated numbers"), bad);
    }
    const Run zero =
        ladm_run({"calibrate-calculator", "--model", "/nonexistent", "--scales", "1,0"});
    QCOMPARE(zero.code, 64);
    QVERIFY2(zero.err.contains("finite and > 0"), qPrintable(zero.err));
    const Run missing = ladm_run({"calibrate-calculator", "--model", "/nonexistent"});
    QCOMPARE(missing.code, 1);
    QVERIFY2(missing.err.contains("/nonexistent"), qPrintable(missing.err));
}

void TestCli::scoreReportsBadInputAndResumesFromCache() {
    const QString scores = m_tmp.filePath("scores.jsonl");
    Run r =
        ladm_run(QStringList{"score", "--model", m_model, "--cache", m_db, "--scores-out", scores} +
                 kParams + QStringList{m_corpus});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.err.contains(m_corpus + ":5: malformed_json"), qPrintable(r.err));
    QVERIFY2(r.err.contains("25 samples: 25 scored (1 too short), 0 cached, 0 failed"),
             qPrintable(r.err));
    QFile f(scores);
    QVERIFY(f.open(QIODevice::ReadOnly));
    int lines = 0, ok = 0;
    while (!f.atEnd()) {
        const auto j = QJsonDocument::fromJson(f.readLine()).object();
        ++lines;
        if (j["status"].toString() == "ok") {
            ++ok;
            QVERIFY(j["cds"].toDouble() > 0);
        }
    }
    QCOMPARE(lines, 25);
    QCOMPARE(ok, 24);
    // The same run again: everything comes from the cache.
    r = ladm_run(QStringList{"score", "--model", m_model, "--cache", m_db} + kParams +
                 QStringList{m_corpus});
    QVERIFY2(r.err.contains("25 samples: 0 scored (0 too short), 25 cached"), qPrintable(r.err));
    // Other parameters are another run.
    r = ladm_run(QStringList{"score", "--model", m_model, "--cache", m_db, "--ablation", "no_std"} +
                 kParams + QStringList{m_corpus});
    QVERIFY2(r.err.contains("25 scored"), qPrintable(r.err));
}

void TestCli::killedRunResumes() {
    // Long enough samples that the run takes a few seconds; kill it once some results are
    // committed, then run again.
    const QString corpus = m_tmp.filePath("big.jsonl"), db = m_tmp.filePath("kill.db");
    const QString out1 = m_tmp.filePath("kill1.jsonl"), out2 = m_tmp.filePath("kill2.jsonl");
    write_lines(corpus.toStdString(), corpus_lines(40, 1500, 2));
    QProcess p;
    p.start(LADM_BIN,
            QStringList{"score", "--model", m_model, "--cache", db, "--scores-out", out1} +
                kParams + QStringList{corpus});
    QVERIFY(p.waitForStarted());
    int64_t committed = 0;
    for (int i = 0; i < 600 && committed < 5; ++i) {
        QThread::msleep(50);
        std::string err;
        if (auto c = Cache::open(db.toStdString(), &err)) committed = c->count("results");
    }
    QVERIFY2(committed >= 5, "the scorer committed nothing");
    ::kill(pid_t(p.processId()), SIGKILL);
    p.waitForFinished();
    QCOMPARE(p.exitStatus(), QProcess::CrashExit);

    std::string err, detail;
    int64_t before = 0;
    {
        auto c = Cache::open(db.toStdString(), &err);
        QVERIFY2(c, err.c_str());
        QVERIFY2(c->integrity_ok(&detail), detail.c_str());
        before = c->count("results");
        QVERIFY(before < 40);
    }
    const Run r =
        ladm_run(QStringList{"score", "--model", m_model, "--cache", db, "--scores-out", out2} +
                 kParams + QStringList{corpus});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.err.contains(QString("%1 cached").arg(before)), qPrintable(r.err));
    auto c = Cache::open(db.toStdString(), &err);
    QCOMPARE(c->count("results"), int64_t(40));
    QVERIFY(c->integrity_ok(&detail));
    // Nothing scored twice: the second run scored exactly the ones not committed before.
    QFile f2(out2);
    QVERIFY(f2.open(QIODevice::ReadOnly));
    int second = 0;
    while (!f2.atEnd())
        f2.readLine(), ++second;
    QCOMPARE(int64_t(second), 40 - before);
}

void TestCli::selectOverrideExportRoundTrip() {
    // Reject the best sample, force-keep the worst; select the top half; export to .zst.
    std::string err;
    auto cache = Cache::open(m_db.toStdString(), &err);
    const int64_t run = cache->runs().front().id;
    auto rows = cache->results(run);
    std::vector<ResultRow> ok;
    for (const auto& r : rows)
        if (r.status == "ok") ok.push_back(r);
    std::sort(ok.begin(), ok.end(), [](auto& a, auto& b) { return a.cds > b.cds; });
    const std::string best = ok.front().key, worst = ok.back().key;
    QCOMPARE(ladm_run({"override", "--cache", m_db, QString::fromStdString(best), "reject",
                       "--note", "boilerplate"})
                 .code,
             0);
    QCOMPARE(ladm_run({"override", "--cache", m_db, QString::fromStdString(worst), "keep"}).code,
             0);
    Run r = ladm_run({"select", "--cache", m_db, "--run", QString::number(run), "--mode", "top",
                      "--top", "0.5", "--json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto recipe = QJsonDocument::fromJson(r.out.toUtf8()).object();
    // 24 scored; the rejected best and the force-kept worst leave 22 to rank:
    // round(0.5 * 22) = 11, plus the forced keep.
    QCOMPARE(recipe["kept_samples"].toInt(), 12);

    const QString out = m_tmp.filePath("export/kept.jsonl.zst"),
                  rej = m_tmp.filePath("export/rejected.jsonl.gz");
    QDir().mkpath(m_tmp.filePath("export"));
    r = ladm_run({"export", "--cache", m_db, "--score-key", "cds", "--rejected", rej, out});
    QVERIFY2(r.code == 0, qPrintable(r.err));

    // Re-read the export: ids and texts identical to the originals; removing the score key
    // gives back the original record byte for byte.
    std::map<std::string, std::string> original;
    for (const auto& l : m_lines) {
        auto j = nlohmann::json::parse(l, nullptr, false);
        if (j.is_object()) original[j.value("id", "")] = l;
    }
    for (const QString& file : {out, rej}) {
        auto rd = CorpusReader::open({file.toStdString()}, CorpusOptions{}, &err);
        QVERIFY2(rd, err.c_str());
        Sample s;
        std::set<std::string> seen;
        while (rd->next(&s)) {
            QVERIFY(original.count(s.id));
            seen.insert(s.id);
            std::string raw;
            QVERIFY(CorpusReader::raw_at(s.loc, CorpusOptions{}, &raw, &err));
            const auto cut = raw.rfind(", \"cds\": ");
            QVERIFY(cut != std::string::npos);
            QCOMPARE(raw.substr(0, cut) + "}", original[s.id]);
            auto j = nlohmann::json::parse(raw);
            QCOMPARE(j["text"].get<std::string>(),
                     nlohmann::json::parse(original[s.id])["text"].get<std::string>());
        }
        QVERIFY(rd->problems().empty());
        if (file == out) {
            QCOMPARE(int(seen.size()), 12);
            QVERIFY(!seen.count(best));
            QVERIFY(seen.count(worst));
        } else {
            QCOMPARE(int(seen.size()), 25 - 12);
            QVERIFY(seen.count(best));
        }
    }
    QFile recipe_file(m_tmp.filePath("export/selection.json"));
    QVERIFY(recipe_file.open(QIODevice::ReadOnly));
    const auto doc = QJsonDocument::fromJson(recipe_file.readAll()).object();
    QCOMPARE(doc["selection"].toObject()["recipe"].toObject()["mode"].toString(), QString("top"));
    QVERIFY(!doc["run"].toObject()["model_fingerprint"].toString().isEmpty());
    QCOMPARE(doc["overrides"].toArray().size(), 2);
    QVERIFY(doc["inputs"].toArray().first().toObject()["path"].toString().endsWith("corpus.jsonl"));

    // The authors' layout: every scored sample, best first, ranked.
    const QString sorted = m_tmp.filePath("export/sorted_by_score.jsonl");
    r = ladm_run({"export", "--cache", m_db, "--format", "ladm-scores", "--no-recipe", sorted});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QFile sf(sorted);
    QVERIFY(sf.open(QIODevice::ReadOnly));
    double prev = 1e9;
    int rank = 0;
    while (!sf.atEnd()) {
        const auto j = QJsonDocument::fromJson(sf.readLine()).object();
        QCOMPARE(j["rank"].toInt(), ++rank);
        QVERIFY(j["score"].toDouble() <= prev);
        prev = j["score"].toDouble();
        QVERIFY(j["meta"].toObject().contains("pile_set_name"));
    }
    QCOMPARE(rank, 24);
}

void TestCli::statsAndShow() {
    Run r = ladm_run({"stats", "--cache", m_db, "--run", "1", "--json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto j = QJsonDocument::fromJson(r.out.toUtf8()).object()["domains"].toObject();
    QCOMPARE(j["(all)"].toObject()["samples"].toInt(), 25);
    QCOMPARE(j["(all)"].toObject()["too_short"].toInt(), 1);
    QCOMPARE(j["Books"].toObject()["samples"].toInt(), 9);
    r = ladm_run({"show", "doc0", "--cache", m_db, "--run", "1", "--model", m_model});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.out.contains("CDS"));
    QVERIFY(r.out.contains("strongest distant dependencies"));
    QVERIFY(r.out.contains("query:"));
    // The last query span is [L - C, L) with the run's span C, also when a few wide windows
    // cover L (C = 64 here: the span cannot be inferred from L and the window count).
    const QString wide = m_tmp.filePath("wide.db");
    r = ladm_run({"score", "--model", m_model, "--cache", wide, "--span", "64", "--d-afs", "1",
                  "--d-cds", "1", "--device", "cpu", "--quiet", m_corpus});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    int checked = 0;
    for (int i = 0; i < 24; ++i) {
        r = ladm_run({"show", "doc" + QString::number(i), "--cache", wide, "--top", "1000"});
        const auto scored = QRegularExpression(R"(\(scored (\d+)\))").match(r.out);
        if (r.code != 0 || !scored.hasMatch() || !r.out.contains("status ok")) continue;
        const qint64 L = scored.captured(1).toLongLong();
        const auto last = QRegularExpression(R"(\n\[\s*(\d+),\s*(\d+)\))").match(r.out);
        QVERIFY2(last.hasMatch(), qPrintable(r.out));
        QCOMPARE(last.captured(1).toLongLong(), L - 64);
        QCOMPARE(last.captured(2).toLongLong(), L);
        // every listed dependency is on a window after the first C tokens (the BOS sink)
        auto deps = QRegularExpression(R"(-> key \[(\d+), )").globalMatch(r.out);
        QVERIFY(deps.hasNext());
        while (deps.hasNext())
            QVERIFY2(deps.next().captured(1).toLongLong() >= 64, qPrintable(r.out));
        ++checked;
    }
    QVERIFY(checked > 0);
    QCOMPARE(ladm_run({"show", "nope", "--cache", m_db}).code, 1);
}

// Scoring a .jsonl.gz records access points in the cache; `ladm show` then reads a late
// sample back through them — even with the start of the file destroyed afterwards, which
// makes reading from the start impossible (the first sample then shows positions only).
void TestCli::compressedShardIsIndexedWhileScoring() {
    const std::string shard = m_tmp.filePath("big.jsonl.gz").toStdString();
    const QString db = m_tmp.filePath("big.db");
    {
        std::string err;
        auto w = JsonlWriter::open(shard, &err);
        QVERIFY2(w, err.c_str());
        for (const auto& l : corpus_lines(40, 200000, 11)) // ~12 MB uncompressed
            w->write_line(l);
        QVERIFY(w->close());
    }
    Run r = ladm_run(QStringList{"score", "--model", m_model, "--cache", db, "--max-len", "300",
                                 QString::fromStdString(shard)} +
                     kParams);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    std::string err;
    {
        auto c = Cache::open(db.toStdString(), &err);
        QVERIFY2(c, err.c_str());
        const auto points = c->access_points(shard);
        QVERIFY(!points.empty());
        QVERIFY(points.front().out >= kAccessPointSpacing);
        QCOMPARE(points.front().window.size(), size_t(32768));
    }
    {
        std::fstream f(shard, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(20);
        f << std::string(4000, '\x55');
    }
    r = ladm_run({"show", "doc39", "--cache", db, "--model", m_model});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("query:"), qPrintable(r.out + r.err)); // the text was read back
    r = ladm_run({"show", "doc0", "--cache", db, "--model", m_model});
    QVERIFY2(r.err.contains("showing positions only"), qPrintable(r.err));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
