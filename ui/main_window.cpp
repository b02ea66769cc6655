#include "ui/main_window.h"

#include "core/jobs/score_job.h"
#include "core/store/cache.h"
#include "core/store/run_params.h"
#include "core/text/install_paths.h"
#include "ui/agreement_view.h"
#include "ui/corpus_table_model.h"
#include "ui/distribution_view.h"
#include "ui/sample_viewer.h"
#include "ui/selection_panel.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QThread>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <cmath>

namespace ladm::ui {

MainWindow::MainWindow(const StudioOptions& o, QWidget* parent)
    : QMainWindow(parent)
    , m_opts(o) {
    setWindowTitle(tr("LADM Studio"));
    m_thread = new QThread(this);
    m_worker = new ScoringWorker;
    m_worker->setScorers(m_opts.scorers); // before it runs in its thread
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(this, &MainWindow::requestLoadModel, m_worker, &ScoringWorker::loadModel);
    connect(this, &MainWindow::requestScore, m_worker, &ScoringWorker::score);
    m_inspectThread = new QThread(this);
    m_inspector = new InspectWorker;
    m_inspector->moveToThread(m_inspectThread);
    connect(m_inspectThread, &QThread::finished, m_inspector, &QObject::deleteLater);
    connect(this, &MainWindow::requestInspect, m_inspector, &InspectWorker::inspect);
    connect(m_worker, &ScoringWorker::progress, this, &MainWindow::onProgress);
    connect(m_worker, &ScoringWorker::finished, this, &MainWindow::onFinished);
    connect(m_worker, &ScoringWorker::problem, this,
            [this](const QString& where, const QString& kind, const QString& msg) {
                addProblem(QString("%1: %2: %3").arg(where, kind, msg));
            });
    connect(m_worker, &ScoringWorker::modelLoaded, this, [this](const ModelSummary& m) {
        m_modelReady = true;
        m_layers = m.layers;
        m_viewer->setLayerCount(m.layers);
        m_modelLabel->setText(tr("model %1 (%2, %3 layers, %4 M parameters) on %5, %6 threads")
                                  .arg(QFileInfo(m.dir).fileName(), m.modelType)
                                  .arg(m.layers)
                                  .arg(m.parameters / 1e6, 0, 'f', 1)
                                  .arg(m.device)
                                  .arg(m.threads));
        for (const auto& w : m.warnings)
            addProblem(tr("model warning: %1").arg(w));
        m_scoreAction->setEnabled(!m_inputs.isEmpty());
        if (m_opts.startScoring && !m_inputs.isEmpty()) {
            m_opts.startScoring = false;
            startScoring();
        }
    });
    connect(m_worker, &ScoringWorker::modelFailed, this, [this](const QString& err) {
        m_modelReady = false;
        m_modelLabel->setText(tr("no model"));
        addProblem(tr("model: %1").arg(err));
        statusBar()->showMessage(tr("Cannot load the model: %1").arg(err));
    });
    connect(this, &MainWindow::exportFinished, this, [this](bool ok, const QString& msg) {
        statusBar()->showMessage(ok ? msg : tr("Export failed: %1").arg(msg), 8000);
        if (!ok) addProblem(tr("export: %1").arg(msg));
    });
    connect(m_inspector, &InspectWorker::inspected, this, [this](const SampleInspection& s) {
        if (s.generation != m_inspectGeneration) return; // a newer request is on its way
        m_viewer->show(s);
        showWhy(s);
        if (s.computingLayer < 0) Q_EMIT sampleShown(s.sampleId);
    });
    m_thread->start();
    m_inspectThread->start();

    buildUi();
    buildActions();

    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray());

    const QString model = !o.modelDir.isEmpty()            ? o.modelDir
                          : settings.contains("lastModel") ? settings.value("lastModel").toString()
                                                           : bundledModelDir();
    if (!o.inputs.isEmpty())
        openCorpus(o.inputs, o.cachePath);
    else if (!o.cachePath.isEmpty())
        openCache(o.cachePath);
    if (!model.isEmpty()) loadModel(model);
}

MainWindow::~MainWindow() {
    m_worker->requestCancel();
    m_inspector->supersede(m_inspectGeneration + 1); // drop queued inspections
    for (QThread* t : {m_thread, m_inspectThread}) {
        t->requestInterruption();
        t->quit();
    }
    m_thread->wait();
    m_inspectThread->wait();
    *m_indexCancel = true; // an index pass stops within 256 records
    m_indexFuture.waitForFinished();
}

bool MainWindow::isPaused() const {
    return m_pauseAction->isChecked();
}

bool MainWindow::scoringHeld() const {
    return m_worker->holding();
}

void MainWindow::setPaused(bool paused) {
    if (m_pauseAction->isEnabled()) m_pauseAction->setChecked(paused);
}

void MainWindow::addProblem(const QString& text) {
    if (m_problemSet.contains(text)) return;
    m_problemSet.insert(text);
    m_problems->addItem(text);
    m_problemsDock->show(); // hidden while there is nothing to say
    m_problemsDock->setWindowTitle(tr("Problems (%1)").arg(m_problems->count()));
}

QString MainWindow::bundledModelDir() {
    return QString::fromStdString(ladm::bundled_calculator_dir());
}

QString MainWindow::defaultCachePath(const QStringList& inputs) {
    QStringList abs;
    for (const auto& i : inputs)
        abs << QFileInfo(i).absoluteFilePath();
    abs.sort();
    const QByteArray h = QCryptographicHash::hash(abs.join('\n').toUtf8(), QCryptographicHash::Sha1)
                             .toHex()
                             .left(16);
    const QString dir =
        QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/caches";
    QDir().mkpath(dir);
    return dir + "/" + QFileInfo(inputs.value(0)).completeBaseName() + "-" + h + ".db";
}

void MainWindow::buildUi() {
    m_table = new CorpusTableModel(this);
    connect(m_table, &CorpusTableModel::statusCountsChanged, this, &MainWindow::showStatusCounts);
    m_tableView = new QTableView;
    m_tableView->setModel(m_table);
    m_tableView->setSortingEnabled(true);
    m_tableView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tableView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tableView->verticalHeader()->setDefaultSectionSize(22);
    m_tableView->verticalHeader()->hide();
    m_tableView->horizontalHeader()->setStretchLastSection(true);
    m_tableView->sortByColumn(CorpusTableModel::Id, Qt::AscendingOrder);
    connect(m_tableView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& cur) {
                if (const RowData* r = m_table->rowData(cur.row())) showSample(r->sampleId);
            });

    m_domainFilter = new QComboBox;
    m_domainFilter->addItem(tr("all domains"));
    m_statusFilter = new QComboBox;
    m_statusFilter->addItems({tr("any status"), "ok", "pending", "too_short", "error"});
    m_minCds = new QDoubleSpinBox;
    m_maxCds = new QDoubleSpinBox;
    for (auto* s : {m_minCds, m_maxCds}) {
        s->setDecimals(6);
        s->setRange(-1, 1e6);
        s->setSingleStep(0.01);
        s->setSpecialValueText(tr("-"));
        s->setValue(-1);
    }
    m_search = new QLineEdit;
    m_search->setPlaceholderText(tr("search ids"));
    auto* filters = new QHBoxLayout;
    filters->addWidget(m_domainFilter);
    filters->addWidget(m_statusFilter);
    filters->addWidget(new QLabel(tr("CDS")));
    filters->addWidget(m_minCds);
    filters->addWidget(new QLabel(tr("to")));
    filters->addWidget(m_maxCds);
    filters->addWidget(m_search, 1);
    for (auto* c : {m_domainFilter, m_statusFilter})
        connect(c, &QComboBox::currentIndexChanged, this, &MainWindow::applyFilter);
    for (auto* s : {m_minCds, m_maxCds})
        connect(s, &QDoubleSpinBox::valueChanged, this, &MainWindow::applyFilter);
    connect(m_search, &QLineEdit::returnPressed, this, &MainWindow::applyFilter);
    auto* left = new QWidget;
    auto* ll = new QVBoxLayout(left);
    ll->setContentsMargins(0, 0, 0, 0);
    ll->addLayout(filters);
    ll->addWidget(m_tableView, 1);

    m_viewer = new SampleViewer;
    connect(m_viewer, &SampleViewer::layerChanged, this, [this] {
        if (m_currentSample) showSample(m_currentSample);
    });
    m_why = new QTextBrowser;
    auto* sampleTab = new QSplitter(Qt::Vertical);
    sampleTab->addWidget(m_viewer);
    sampleTab->addWidget(m_why);
    sampleTab->setStretchFactor(0, 3);
    sampleTab->setStretchFactor(1, 1);
    m_dist = new DistributionView;
    m_selPanel = new SelectionPanel;
    connect(m_dist, &DistributionView::thresholdChanged, m_selPanel, &SelectionPanel::setThreshold);
    connect(m_selPanel, &SelectionPanel::recipeChanged, this,
            [this] { m_selectionTimer->start(); });
    connect(m_selPanel, &SelectionPanel::reviewStep, this, &MainWindow::reviewStep);
    connect(m_selPanel, &SelectionPanel::queueRowActivated, this, [this](int pos, qint64 id) {
        m_reviewPos = pos;
        showSample(id);
    });
    connect(m_selPanel, &SelectionPanel::reviewListChanged, this, [this] {
        m_reviewPos = -1;
        m_customReview = false;
        recomputeSelection();
    });
    buildAgreementTab();
    auto* distTab = new QSplitter(Qt::Horizontal);
    distTab->addWidget(m_dist);
    distTab->addWidget(m_selPanel);
    distTab->setStretchFactor(0, 3);
    distTab->setStretchFactor(1, 2);

    m_tabs = new QTabWidget;
    m_tabs->addTab(sampleTab, tr("&Sample"));
    m_tabs->addTab(distTab, tr("&Distributions && selection"));
    m_tabs->addTab(m_agree, tr("Score a&greement"));
    auto* split = new QSplitter;
    split->addWidget(left);
    split->addWidget(m_tabs);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    setCentralWidget(split);

    m_problems = new QListWidget;
    m_problemsDock = new QDockWidget(tr("Problems"), this);
    m_problemsDock->setObjectName("problems");
    m_problemsDock->setWidget(m_problems);
    addDockWidget(Qt::BottomDockWidgetArea, m_problemsDock);
    resizeDocks({m_problemsDock}, {90}, Qt::Vertical);
    m_problemsDock->hide(); // shown by the first problem

    m_progressBar = new QProgressBar;
    m_progressBar->setRange(0, 1000);
    m_progressBar->setMaximumWidth(220);
    m_progressLabel = new QLabel;
    m_modelLabel = new QLabel(tr("no model"));
    m_countsLabel = new QLabel;
    statusBar()->addWidget(m_modelLabel, 1);
    statusBar()->addPermanentWidget(m_countsLabel);
    statusBar()->addPermanentWidget(m_progressLabel);
    statusBar()->addPermanentWidget(m_progressBar);

    m_refreshTimer = new QTimer(this);
    m_refreshTimer->setInterval(1000); // live results while scoring, at most once a second
    connect(m_refreshTimer, &QTimer::timeout, this, [this] {
        m_table->refresh();
        reloadCandidates();
        m_agree->refresh(); // recomputed only while its tab is shown
    });
    m_selectionTimer = new QTimer(this);
    m_selectionTimer->setSingleShot(true);
    m_selectionTimer->setInterval(120);
    connect(m_selectionTimer, &QTimer::timeout, this, &MainWindow::recomputeSelection);
}

void MainWindow::buildActions() {
    auto* tb = addToolBar(tr("Main"));
    tb->setObjectName("main");
    QMenu* file = menuBar()->addMenu(tr("&File"));
    auto* openCorpusAct = file->addAction(tr("Open &corpus..."), this, [this] {
        const auto files = QFileDialog::getOpenFileNames(
            this, tr("Open corpus shards"), {},
            tr("JSONL (*.jsonl *.jsonl.gz *.jsonl.zst);;All files (*)"));
        if (!files.isEmpty()) openCorpus(files);
    });
    file->addAction(tr("Open corpus &folder..."), this, [this] {
        const auto dir =
            QFileDialog::getExistingDirectory(this, tr("Open a folder of shards or text files"));
        if (!dir.isEmpty()) openCorpus({dir});
    });
    auto* openCacheAct = file->addAction(tr("Open &score cache..."), this, [this] {
        const auto f = QFileDialog::getOpenFileName(this, tr("Open a score cache"), {},
                                                    tr("SQLite (*.db);;All files (*)"));
        if (!f.isEmpty()) openCache(f);
    });
    QMenu* recent = file->addMenu(tr("&Recent corpora"));
    connect(recent, &QMenu::aboutToShow, this, [this, recent] {
        recent->clear();
        for (const auto& v : QSettings().value("recentCorpora").toStringList())
            recent->addAction(v, this, [this, v] { openCorpus(v.split('\n')); });
    });
    file->addAction(tr("&Model..."), this, [this] {
        QMessageBox box(this);
        box.setWindowTitle(tr("Calculator model"));
        box.setText(
            tr("Score with the bundled default calculator or a Hugging Face checkpoint folder?"));
        auto* bundled = box.addButton(tr("Bundled default"), QMessageBox::AcceptRole);
        auto* folder = box.addButton(tr("Checkpoint folder..."), QMessageBox::ActionRole);
        box.addButton(QMessageBox::Cancel);
        box.exec();
        if (box.clickedButton() == static_cast<QAbstractButton*>(bundled)) {
            if (bundledModelDir().isEmpty())
                QMessageBox::warning(this, tr("Model"), tr("No bundled calculator is installed."));
            else
                loadModel(bundledModelDir());
        } else if (box.clickedButton() == static_cast<QAbstractButton*>(folder)) {
            const auto d = QFileDialog::getExistingDirectory(
                this, tr("Checkpoint folder (config.json, model.safetensors, tokenizer)"));
            if (!d.isEmpty()) loadModel(d);
        }
    });
    auto* exportAct = file->addAction(tr("&Export selection..."), this, &MainWindow::exportDialog);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    m_scoreAction = new QAction(tr("Score"), this);
    m_scoreAction->setEnabled(false);
    connect(m_scoreAction, &QAction::triggered, this, &MainWindow::startScoring);
    m_pauseAction = new QAction(tr("Pause"), this);
    m_pauseAction->setCheckable(true);
    m_pauseAction->setEnabled(false);
    connect(m_pauseAction, &QAction::toggled, this, [this](bool on) {
        m_worker->requestPause(on);
        m_pauseAction->setText(on ? tr("Resume") : tr("Pause"));
        statusBar()->showMessage(on ? tr("Paused: the run waits between samples.") : tr("Resumed."),
                                 4000);
    });
    m_cancelAction = new QAction(tr("Cancel"), this);
    m_cancelAction->setEnabled(false);
    connect(m_cancelAction, &QAction::triggered, this, [this] { m_worker->requestCancel(); });
    m_runBox = new QComboBox;
    m_runBox->setMinimumWidth(240);
    connect(m_runBox, &QComboBox::activated, this,
            [this](int i) { setRun(m_runBox->itemData(i).toLongLong()); });
    tb->addAction(openCorpusAct);
    tb->addAction(openCacheAct);
    tb->addSeparator();
    tb->addAction(m_scoreAction);
    tb->addAction(m_pauseAction);
    tb->addAction(m_cancelAction);
    tb->addSeparator();
    tb->addWidget(new QLabel(tr(" run: ")));
    tb->addWidget(m_runBox);
    tb->addSeparator();
    tb->addAction(exportAct);

    // Review keys
    auto key = [this](QKeySequence k, auto fn) {
        auto* a = new QAction(this);
        a->setShortcut(k);
        a->setShortcutContext(Qt::WindowShortcut);
        connect(a, &QAction::triggered, this, fn);
        addAction(a);
    };
    key(QKeySequence(Qt::Key_N), [this] { reviewStep(+1); });
    key(QKeySequence(Qt::Key_P), [this] { reviewStep(-1); });
    key(QKeySequence(Qt::Key_K), [this] { decideCurrent("keep", false); });
    key(QKeySequence(Qt::Key_R), [this] { decideCurrent("reject", false); });
    key(QKeySequence(Qt::SHIFT | Qt::Key_K), [this] { decideCurrent("keep", true); });
    key(QKeySequence(Qt::SHIFT | Qt::Key_R), [this] { decideCurrent("reject", true); });
    key(QKeySequence(Qt::Key_C), [this] { decideCurrent("", false); });
}

void MainWindow::rememberCorpus(const QStringList& inputs) {
    QSettings s;
    QStringList recent = s.value("recentCorpora").toStringList();
    const QString entry = inputs.join('\n');
    recent.removeAll(entry);
    recent.prepend(entry);
    while (recent.size() > 10)
        recent.removeLast();
    s.setValue("recentCorpora", recent);
}

void MainWindow::openCorpus(const QStringList& inputs, const QString& cachePath) {
    m_inputs = inputs;
    rememberCorpus(inputs);
    openCache(cachePath.isEmpty() ? defaultCachePath(inputs) : cachePath);
    startIndexing();
    m_scoreAction->setEnabled(m_modelReady);
    setWindowTitle(tr("LADM Studio - %1").arg(QFileInfo(inputs.value(0)).fileName()));
}

void MainWindow::openCache(const QString& path) {
    std::string err;
    auto cache = Cache::open(path.toStdString(), &err);
    if (!cache) {
        addProblem(QString::fromStdString(err));
        QMessageBox::warning(this, tr("Score cache"), QString::fromStdString(err));
        return;
    }
    m_cache = std::move(cache);
    m_cachePath = path;
    refreshRuns();
}

void MainWindow::refreshRuns() {
    if (!m_cache) return;
    const qint64 keep = m_run;
    QSignalBlocker b(m_runBox);
    m_runBox->clear();
    for (const auto& r : m_cache->runs())
        m_runBox->addItem(QString::fromStdString(run_label(r)), qlonglong(r.id));
    const qint64 run = keep ? keep : m_cache->latest_run();
    const int i = m_runBox->findData(qlonglong(run));
    if (i >= 0) m_runBox->setCurrentIndex(i);
    setRun(run); // run 0: the indexed samples, all pending
}

void MainWindow::setRun(qint64 run) {
    m_run = run;
    QString err;
    if (!m_table->open(m_cachePath, run, &err)) addProblem(err);
    applyFilter();
    reloadCandidates();
    m_agree->setSource(m_cachePath, run);
}

// The whole corpus into the cache's index, in the background: every sample is listed (and
// its text can be read) before it is scored. Scoring may run meanwhile.
void MainWindow::startIndexing() {
    if (m_inputs.isEmpty() || m_cachePath.isEmpty()) return;
    if (m_indexing) { // another corpus is being indexed: stop it, then index this one
        *m_indexCancel = true;
        m_indexAgain = true;
        return;
    }
    m_indexing = true;
    m_indexCancel = std::make_shared<std::atomic<bool>>(false);
    m_countsLabel->setText(tr("indexing..."));
    std::vector<std::string> inputs;
    for (const auto& i : m_inputs)
        inputs.push_back(i.toStdString());
    const std::string path = m_cachePath.toStdString();
    auto* w = new QFutureWatcher<QStringList>(this);
    connect(w, &QFutureWatcher<QStringList>::finished, this, [this, w] {
        const QStringList problems = w->result(); // input problems, then a failure if any
        w->deleteLater();
        m_indexing = false;
        for (const auto& p : problems)
            addProblem(p);
        m_table->refresh();
        reloadCandidates();
        m_agree->refresh(); // recomputed only while its tab is shown // the domains of the newly
                            // indexed samples
        if (m_indexAgain) {
            m_indexAgain = false;
            startIndexing();
        }
    });
    auto cancel = m_indexCancel;
    m_indexFuture = QtConcurrent::run([inputs, path, cancel] {
        QStringList r;
        std::string err;
        auto cache = Cache::open(path, &err);
        IndexSummary sum;
        if (!cache || !index_corpus(
                          *cache, inputs, CorpusOptions{}, 0, 1,
                          [cancel](int64_t) { return !cancel->load(); },
                          [&](const Problem& p) {
                              r << QString("%1: %2: %3")
                                       .arg(QString::fromStdString(p.where()),
                                            QString::fromUtf8(problem_name(p.kind)),
                                            QString::fromStdString(p.message));
                          },
                          &sum, &err))
            r << tr("indexing failed: %1").arg(QString::fromStdString(err));
        return r;
    });
    w->setFuture(m_indexFuture);
}

void MainWindow::showStatusCounts() {
    const auto& c = m_table->statusCounts();
    qint64 total = 0;
    for (auto n : c)
        total += n;
    QStringList parts;
    for (const char* s : {"ok", "pending", "too_short", "error"})
        if (c.value(s) > 0) parts << QString("%1 %2").arg(c.value(s)).arg(s);
    m_countsLabel->setText(tr("%1 samples: %2%3")
                               .arg(total)
                               .arg(parts.join(", "))
                               .arg(m_indexing ? tr(" (indexing...)") : QString()));
}

void MainWindow::applyFilter() {
    TableFilter f;
    if (m_domainFilter->currentIndex() > 0) f.domain = m_domainFilter->currentText();
    if (m_statusFilter->currentIndex() > 0) f.status = m_statusFilter->currentText();
    if (m_minCds->value() > -1) f.minCds = m_minCds->value();
    if (m_maxCds->value() > -1) f.maxCds = m_maxCds->value();
    f.search = m_search->text().trimmed();
    m_table->setFilter(f);
}

void MainWindow::loadModel(const QString& given) {
    // Absolute, so the folder remembered for the next start does not depend on the working
    // directory of this one (a relative --model used to break every later start elsewhere).
    const QString dir = QFileInfo(given).absoluteFilePath();
    m_modelReady = false;
    m_modelDir = dir;
    m_modelLabel->setText(tr("loading %1 ...").arg(dir));
    QSettings().setValue("lastModel", dir);
    Q_EMIT requestLoadModel(dir, m_opts.device, m_opts.threads);
    QMetaObject::invokeMethod(m_inspector, "setModel", Qt::QueuedConnection, Q_ARG(QString, dir),
                              Q_ARG(QString, m_opts.device), Q_ARG(int, m_opts.threads));
}

void MainWindow::startScoring() {
    if (m_scoring || m_inputs.isEmpty() || !m_modelReady) return;
    m_scoring = true;
    m_scoreAction->setEnabled(false);
    m_pauseAction->setEnabled(true);
    m_cancelAction->setEnabled(true);
    m_progressLabel->setText(tr("starting..."));
    Q_EMIT requestScore(m_inputs, m_cachePath, m_opts.params);
    m_refreshTimer->start();
}

void MainWindow::onProgress(const ScoreJobProgress& p) {
    // Samples handled of the run's total; rate and ETA over the last ~30 s (core).
    m_progressBar->setValue(int(p.fraction * 1000));
    m_progressLabel->setText(
        tr("%1 of %2 samples (%3 cached) - %4 tok/s - ETA %5%6")
            .arg(p.samples)
            .arg(p.total_samples)
            .arg(p.cached)
            .arg(p.tokens_per_second, 0, 'f', 0)
            .arg(p.eta_seconds < 0 ? QString("?") : QString("%1 s").arg(qint64(p.eta_seconds)))
            .arg(isPaused() ? tr(" - paused") : QString()));
    if (!m_run && m_cache) refreshRuns(); // the first result created the run
}

void MainWindow::onFinished(bool ok, bool cancelled, const QString& summary) {
    m_scoring = false;
    m_refreshTimer->stop();
    m_scoreAction->setEnabled(true);
    m_pauseAction->setChecked(false);
    m_pauseAction->setEnabled(false);
    m_cancelAction->setEnabled(false);
    m_progressBar->setValue(ok && !cancelled ? 1000 : m_progressBar->value());
    m_progressLabel->setText(cancelled ? tr("cancelled: %1").arg(summary) : summary);
    if (!ok) {
        addProblem(summary);
        statusBar()->showMessage(tr("Scoring failed: %1").arg(summary));
    }
    m_run = 0;
    refreshRuns();
    Q_EMIT scoringFinished(ok && !cancelled);
}

void MainWindow::closeEvent(QCloseEvent* e) {
    QSettings s;
    s.setValue("window/geometry", saveGeometry());
    s.setValue("window/state", saveState());
    m_worker->requestCancel();
    QMainWindow::closeEvent(e);
}

} // namespace ladm::ui
