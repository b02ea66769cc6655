// ladm-studio: the desktop app.
//   ladm-studio [--model DIR] [--cache DB] [--score] [--screenshots DIR] [--report-stalls]
//               [INPUT...]
#include "ui/corpus_table_model.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <cstring>
#include <memory>

namespace {

struct CommandLine {
    QCommandLineOption model{"model", "calculator checkpoint folder (default: the bundled one)",
                             "dir"};
    QCommandLineOption cache{
        "cache", "score cache file (default: one per corpus in the app data folder)", "db"};
    QCommandLineOption score{"score", "start scoring as soon as the model is loaded"};
    QCommandLineOption span{"span", "LADM span size C", "n", "128"};
    QCommandLineOption scorers{
        "scorers", "scores a run computes: any of cds, longattn, lcgain, lexical (default cds)",
        "list", "cds"};
    QCommandLineOption shots{
        "screenshots", "after scoring, save screenshots of the main views to DIR and quit", "dir"};
    QCommandLineOption summary{
        "summary", "open the cache, print what it holds (runs, samples per domain) and quit"};
    QCommandLineOption stalls{"report-stalls",
                              "print the longest event-loop stall of every 5 s to stderr (how "
                              "responsive the window stays while it scores)"};

    void add_to(QCommandLineParser& p) const {
        p.setApplicationDescription(
            "Pick the long documents that teach long-context skills (LADM).");
        p.addHelpOption();
        p.addVersionOption();
        p.addPositionalArgument("inputs", "corpus files, folders or globs (.jsonl, .jsonl.gz, "
                                          ".jsonl.zst, text folders)");
        p.addOptions({model, cache, score, span, scorers, shots, summary, stalls});
    }
};

void set_names() {
    QCoreApplication::setApplicationName("LADM Studio");
    QCoreApplication::setOrganizationName("LADM Studio");
    QCoreApplication::setApplicationVersion(LADM_VERSION);
}

// --help and --version need no window system: answered before a QApplication (which
// aborts without a display) exists.
bool asks_for_info(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        for (const char* a : {"--help", "-h", "-?", "--help-all", "--version", "-v"})
            if (!std::strcmp(argv[i], a)) return true;
    return false;
}

} // namespace

int main(int argc, char** argv) {
    const CommandLine cl;
    if (asks_for_info(argc, argv)) {
        QCoreApplication core(argc, argv);
        set_names();
        QCommandLineParser p;
        cl.add_to(p);
        p.process(core); // prints and exits
        return 0;
    }
    QApplication app(argc, argv);
    set_names();
    QCommandLineParser p;
    cl.add_to(p);
    p.process(app);
    ladm::ui::StudioOptions o;
    o.modelDir = p.value(cl.model);
    o.cachePath = p.value(cl.cache);
    o.inputs = p.positionalArguments();
    o.startScoring = p.isSet(cl.score) || p.isSet(cl.shots);
    o.params.span = p.value(cl.span).toInt();
    std::string err;
    if (!ladm::parse_scorers(p.value(cl.scorers).toStdString(), &o.scorers, &err)) {
        std::fprintf(stderr, "ladm-studio: --scorers: %s\n", err.c_str());
        return 64;
    }
    ladm::ui::MainWindow w(o);
    w.resize(1400, 880);
    w.show();

    if (p.isSet(cl.stalls)) {
        // A 5 ms timer: the longest gap between its ticks is the longest stall.
        auto* tick = new QTimer(&w);
        auto* clock = new QElapsedTimer;
        clock->start();
        auto last = std::make_shared<qint64>(0), worst = std::make_shared<qint64>(0),
             since = std::make_shared<qint64>(0);
        tick->setInterval(5);
        QObject::connect(tick, &QTimer::timeout, &w, [=, &w] {
            const qint64 now = clock->elapsed();
            *worst = std::max(*worst, now - *last);
            *last = now;
            if (now - *since >= 5000) {
                std::fprintf(stderr, "event loop: longest stall %lld ms in %.0f s up to %.0f s%s\n",
                             (long long)*worst, (now - *since) / 1000.0, now / 1000.0,
                             w.isScoring() ? " (scoring)" : "");
                *worst = 0;
                *since = now;
            }
        });
        tick->start();
    }
    if (p.isSet(cl.summary)) {
        QObject::connect(&w, &ladm::ui::MainWindow::selectionUpdated, &w, [&w] {
            const auto& sel = w.selection();
            std::printf("cache %s: %lld results in the table\n", qPrintable(w.cachePath()),
                        (long long)w.tableModel()->totalRows());
            for (const auto& [d, s] : sel.domains)
                std::printf("  %s: %lld samples, %lld tokens\n", d.c_str(),
                            (long long)s.total_samples, (long long)s.total_tokens);
            QApplication::quit();
        });
        QTimer::singleShot(120000, &app, [] {
            std::fprintf(stderr, "timed out\n");
            QApplication::exit(1);
        });
    }
    if (p.isSet(cl.shots)) {
        const QString dir = p.value(cl.shots);
        QDir().mkpath(dir);
        QObject::connect(&w, &ladm::ui::MainWindow::scoringFinished, &w, [&w, dir](bool) {
            QTimer::singleShot(1500, &w, [&w, dir] {
                w.tabs()->setCurrentIndex(1);
                QTimer::singleShot(800, &w, [&w, dir] {
                    w.grab().save(dir + "/distributions.png");
                    w.tabs()->setCurrentIndex(0);
                    // open the highest-scoring sample in the viewer
                    w.tableModel()->sort(3, Qt::DescendingOrder);
                    if (const auto* r = w.tableModel()->rowData(0)) w.showSample(r->sampleId);
                });
            });
        });
        QObject::connect(&w, &ladm::ui::MainWindow::sampleShown, &w, [&w, dir](qint64) {
            QTimer::singleShot(800, &w, [&w, dir] {
                w.grab().save(dir + "/sample.png");
                std::printf("screenshots saved to %s\n", qPrintable(dir));
                QApplication::quit();
            });
        });
    }
    return app.exec();
}
