// ladm-studio: the desktop app.
//   ladm-studio [--model DIR] [--cache DB] [--score] [--screenshots DIR] [INPUT...]
#include "ui/corpus_table_model.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName("LADM Studio");
    QApplication::setOrganizationName("LADM Studio");
    QApplication::setApplicationVersion(LADM_VERSION);
    QCommandLineParser p;
    p.setApplicationDescription("Pick the long documents that teach long-context skills (LADM).");
    p.addHelpOption();
    p.addVersionOption();
    p.addPositionalArgument(
        "inputs", "corpus files, folders or globs (.jsonl, .jsonl.gz, .jsonl.zst, text folders)");
    QCommandLineOption model("model", "calculator checkpoint folder (default: the bundled one)",
                             "dir");
    QCommandLineOption cache(
        "cache", "score cache file (default: one per corpus in the app data folder)", "db");
    QCommandLineOption score("score", "start scoring as soon as the model is loaded");
    QCommandLineOption span("span", "LADM span size C", "n", "128");
    QCommandLineOption shots(
        "screenshots", "after scoring, save screenshots of the main views to DIR and quit", "dir");
    QCommandLineOption summary(
        "summary", "open the cache, print what it holds (runs, samples per domain) and quit");
    p.addOptions({model, cache, score, span, shots, summary});
    p.process(app);

    ladm::ui::StudioOptions o;
    o.modelDir = p.value(model);
    o.cachePath = p.value(cache);
    o.inputs = p.positionalArguments();
    o.startScoring = p.isSet(score) || p.isSet(shots);
    o.params.span = p.value(span).toInt();
    ladm::ui::MainWindow w(o);
    w.resize(1400, 880);
    w.show();

    if (p.isSet(summary)) {
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
    if (p.isSet(shots)) {
        const QString dir = p.value(shots);
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
