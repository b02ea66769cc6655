// The background worker that owns the scoring model. Lives in its own QThread (Tiled's
// pattern): commands come in as queued slot calls, results go out as signals; it loads the
// model once and reuses it for every scoring run. Sample inspection does not go through it
// (InspectWorker has its own thread), so nothing the user looks at waits for a run.
#pragma once

#include "core/jobs/score_job.h"
#include "core/model/engine.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <memory>

namespace ladm::ui {

struct ModelSummary {
    QString dir, modelType, device, fingerprint;
    int layers = 0, threads = 0;
    qint64 parameters = 0;
    QStringList warnings;
};

class ScoringWorker : public QObject {
    Q_OBJECT
  public:
    ScoringWorker();
    ~ScoringWorker() override;

    // Thread-safe controls for a running job: a paused job waits between samples.
    void requestPause(bool paused) { m_paused = paused; }
    void requestCancel() { m_cancel = true; }
    // Paused and waiting between samples: nothing is being scored.
    bool holding() const { return m_holding; }
    // What runs compute; set before the worker's thread starts (not thread-safe).
    void setScorers(const ScorerSet& s) { m_scorers = s; }

  public Q_SLOTS:
    void loadModel(const QString& dir, const QString& device, int threads);
    void score(const QStringList& inputs, const QString& cachePath, const ladm::LadmParams& params);

  Q_SIGNALS:
    void modelLoaded(const ladm::ui::ModelSummary& m);
    void modelFailed(const QString& error);
    void progress(const ladm::ScoreJobProgress& p);
    void problem(const QString& where, const QString& kind, const QString& message);
    void finished(bool ok, bool cancelled, const QString& summary);

  private:
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Tokenizer> m_tokenizer;
    std::atomic<bool> m_paused{false}, m_cancel{false}, m_holding{false};
    ScorerSet m_scorers;
};

} // namespace ladm::ui

Q_DECLARE_METATYPE(ladm::ui::ModelSummary)
Q_DECLARE_METATYPE(ladm::ScoreJobProgress)
Q_DECLARE_METATYPE(ladm::LadmParams)
