// LADM Studio's main window: corpus table, sample viewer, distributions, selection and
// review, background scoring. Scoring runs in a ScoringWorker and inspection in an
// InspectWorker, each on its own thread, so looking at samples never waits for a run; the
// corpus is indexed in the background when it is opened. The window only sends commands
// and shows what comes back.
#pragma once

#include "core/curate/selection.h"
#include "core/store/run_params.h"
#include "ui/inspect_worker.h"
#include "ui/scoring_worker.h"

#include <QFuture>
#include <QMainWindow>
#include <QSet>
#include <QStringList>

#include <atomic>
#include <memory>
#include <vector>

class QComboBox;
class QDockWidget;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QTableView;
class QTextBrowser;
class QThread;
class QTimer;

namespace ladm {
class Cache;
}

namespace ladm::ui {

class CorpusTableModel;
class AgreementView;
class DistributionView;
class SampleViewer;
class SelectionPanel;

struct StudioOptions {
    QString modelDir;  // empty: the bundled calculator, if present
    QString cachePath; // empty: derived from the inputs
    QStringList inputs;
    bool startScoring = false;
    LadmParams params;
    ScorerSet scorers; // what a scoring run computes (ladm-studio --scorers)
    QString device = "auto";
    int threads = 0;
};

class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    explicit MainWindow(const StudioOptions& o, QWidget* parent = nullptr);
    ~MainWindow() override;

    // For tests and scripts.
    CorpusTableModel* tableModel() const { return m_table; }
    bool isScoring() const { return m_scoring; }
    bool isPaused() const;
    void setPaused(bool paused); // as the Pause button
    bool scoringHeld() const;    // paused, and the sample in flight is done
    bool modelReady() const { return m_modelReady; }
    QString cachePath() const { return m_cachePath; }
    const SelectionResult& selection() const { return m_selection; }
    SelectionPanel* selectionPanel() const { return m_selPanel; }
    SampleViewer* viewer() const { return m_viewer; }
    DistributionView* distributions() const { return m_dist; }
    AgreementView* agreement() const { return m_agree; }
    const std::vector<qint64>& reviewOrder() const { return m_reviewOrder; }
    qint64 currentSample() const { return m_currentSample; }
    QTabWidget* tabs() const { return m_tabs; }

    void openCorpus(const QStringList& inputs, const QString& cachePath = {});
    void openCache(const QString& path);
    void loadModel(const QString& dir);
    void startScoring();
    void setDecision(qint64 sampleId, const QString& decision, const QString& note = {});
    void showSample(qint64 sampleId);
    // Export in the background (exportFinished says how it went); exportTo waits for it
    // (scripts and tests).
    void startExport(const QString& out, const QString& rejected, const QString& format);
    bool exportTo(const QString& out, const QString& rejected, const QString& format,
                  QString* error);
    static QString defaultCachePath(const QStringList& inputs);
    static QString bundledModelDir();

  Q_SIGNALS:
    void scoringFinished(bool ok);
    void exportFinished(bool ok, const QString& message);
    void candidatesUpdated();
    void selectionUpdated();
    void sampleShown(qint64 sampleId);
    // to the worker (queued)
    void requestLoadModel(const QString& dir, const QString& device, int threads);
    void requestScore(const QStringList& inputs, const QString& cache, const ladm::LadmParams& p);
    void requestInspect(qint64 sampleId, const QString& cache, qint64 run, int layer,
                        int generation);

  protected:
    void closeEvent(QCloseEvent* e) override;

  private:
    void buildUi();
    void buildActions();
    void refreshRuns();
    void reloadCandidates();
    void recomputeSelection();
    void reviewStep(int delta);
    void buildAgreementTab();
    void decideCurrent(const QString& decision, bool askNote);
    void showWhy(const SampleInspection& s);
    void setRun(qint64 run);
    void onProgress(const ScoreJobProgress& p);
    void onFinished(bool ok, bool cancelled, const QString& summary);
    void exportDialog();
    void rememberCorpus(const QStringList& inputs);
    void applyFilter();
    void startIndexing();
    void addProblem(const QString& text);
    void showStatusCounts();

    StudioOptions m_opts;
    QThread* m_thread;
    ScoringWorker* m_worker;
    QThread* m_inspectThread;
    InspectWorker* m_inspector;
    std::unique_ptr<Cache> m_cache; // the GUI thread's own connection
    QString m_cachePath;
    QStringList m_inputs;
    qint64 m_run = 0;
    QString m_score = "cds";     // the run's score that selection and the charts use
    bool m_customReview = false; // m_reviewOrder is a list the user asked for (disagreements)
    AgreementView* m_agree = nullptr;
    bool m_scoring = false, m_modelReady = false, m_indexing = false, m_exporting = false;
    QFuture<QStringList> m_indexFuture;
    std::shared_ptr<std::atomic<bool>> m_indexCancel = std::make_shared<std::atomic<bool>>(false);
    bool m_indexAgain = false;
    QSet<QString> m_problemSet; // each problem listed once (indexing and scoring both read)
    int m_layers = 0;
    QString m_modelDir;

    std::shared_ptr<const std::vector<Candidate>> m_candidates;
    std::vector<std::string> m_keys; // parallel to candidates (sample ids as text)
    SelectionResult m_selection;
    SelectionRecipe m_recipe;
    int m_candidateGeneration = 0, m_inspectGeneration = 0, m_selectionGeneration = 0;
    bool m_candidatesLoading = false, m_candidatesStale = false; // one background load at a time
    qint64 m_currentSample = 0;
    std::vector<qint64> m_reviewOrder;
    int m_reviewPos = -1;

    CorpusTableModel* m_table;
    QTableView* m_tableView;
    QComboBox* m_domainFilter;
    QComboBox* m_statusFilter;
    QDoubleSpinBox* m_minCds;
    QDoubleSpinBox* m_maxCds;
    QLineEdit* m_search;
    SampleViewer* m_viewer;
    QTextBrowser* m_why;
    DistributionView* m_dist;
    SelectionPanel* m_selPanel;
    QTabWidget* m_tabs;
    QListWidget* m_problems;
    QDockWidget* m_problemsDock;
    QLabel* m_countsLabel;
    QComboBox* m_runBox;
    QProgressBar* m_progressBar;
    QLabel* m_progressLabel;
    QLabel* m_modelLabel;
    QAction* m_scoreAction;
    QAction* m_pauseAction;
    QAction* m_cancelAction;
    QTimer* m_refreshTimer;
    QTimer* m_selectionTimer;
};

} // namespace ladm::ui
