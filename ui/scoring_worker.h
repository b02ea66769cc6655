// The background worker that owns the model. Lives in its own QThread (Tiled's pattern):
// commands come in as queued slot calls, results go out as signals; it loads the model once
// and reuses it for scoring runs and for inspecting single samples.
#pragma once

#include "core/jobs/score_job.h"
#include "core/model/engine.h"

#include <QImage>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <atomic>
#include <memory>

namespace ladm::ui {

struct ModelSummary {
    QString dir, modelType, device, fingerprint;
    int layers = 0, threads = 0;
    qint64 parameters = 0;
    QStringList warnings;
};

// What the sample viewer shows: text, token spans, AFS per query span, the span x window
// attention mass (layer mean or one layer).
struct SampleInspection {
    qint64 sampleId = 0;
    int generation = 0;
    int layer = -1; // -1 = mean over layers
    QString text;
    QVector<int> tokenCharBegin; // per token, character offset in `text`
    int span = 128, interval = 512;
    QVector<qint64> spanStarts;
    QVector<double> afs;
    qint64 windows = 0, tokens = 0;
    QVector<float> mass; // [spans x windows]
    double cds = 0;
    QString status, error;
    QImage heatmap; // rendered by the worker
};

class ScoringWorker : public QObject {
    Q_OBJECT
  public:
    ScoringWorker();
    ~ScoringWorker() override;

    // Thread-safe controls for a running job.
    void requestPause(bool paused) { m_paused = paused; }
    void requestCancel() { m_cancel = true; }

  public Q_SLOTS:
    void loadModel(const QString& dir, const QString& device, int threads);
    void score(const QStringList& inputs, const QString& cachePath, const ladm::LadmParams& params);
    void inspect(qint64 sampleId, const QString& cachePath, qint64 run, int layer, int generation);

  Q_SIGNALS:
    void modelLoaded(const ladm::ui::ModelSummary& m);
    void modelFailed(const QString& error);
    void progress(const ladm::ScoreJobProgress& p);
    void problem(const QString& where, const QString& kind, const QString& message);
    void finished(bool ok, bool cancelled, const QString& summary);
    void inspected(const ladm::ui::SampleInspection& s);

  private:
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Tokenizer> m_tokenizer;
    std::atomic<bool> m_paused{false}, m_cancel{false};
};

} // namespace ladm::ui

Q_DECLARE_METATYPE(ladm::ui::ModelSummary)
Q_DECLARE_METATYPE(ladm::ui::SampleInspection)
Q_DECLARE_METATYPE(ladm::ScoreJobProgress)
Q_DECLARE_METATYPE(ladm::LadmParams)
