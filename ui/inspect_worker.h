// Sample inspection on its own thread, so it never waits for a scoring run: its own
// tokenizer and cache connection, and, for a single layer's heatmap (which needs a forward
// pass), its own engine, opened the first time a layer is asked for. Requests carry a
// generation; one that a newer request superseded before it started is dropped.
#pragma once

#include "core/model/ladm_math.h"

#include <QImage>
#include <QObject>
#include <QString>
#include <QVector>

#include <atomic>
#include <memory>

namespace ladm {
class Cache;
class Engine;
class Tokenizer;
} // namespace ladm

namespace ladm::ui {

// What the sample viewer shows: text, token spans, AFS per query span, the span x window
// attention mass (layer mean or one layer).
struct SampleInspection {
    qint64 sampleId = 0;
    int generation = 0;
    int layer = -1;          // of `mass`: -1 = mean over layers
    int computingLayer = -1; // >= 0: that layer's matrix is being computed; this is the mean
    QString key, domain;
    QString text;
    QVector<int> tokenCharBegin; // per token, character offset in `text`
    int span = 128;
    QVector<qint64> spanStarts;
    QVector<double> afs;
    qint64 windows = 0, tokens = 0, chars = 0;
    QVector<float> mass; // [spans x windows]
    struct Dependency {
        int spanIndex = 0;
        qint64 queryBegin = 0, keyBegin = 0;
        float mass = 0;
    };
    QVector<Dependency> strongest; // of `mass`, strongest first (core's rule, as ladm show)
    double cds = 0;
    QString status;    // ok, too_short, error, pending
    QString error;     // the stored result's error, or why nothing can be shown
    QString textError; // the text cannot be shown (the scores still are)
    QImage heatmap;    // rendered off the GUI thread
};

class InspectWorker : public QObject {
    Q_OBJECT
  public:
    InspectWorker();
    ~InspectWorker() override;
    // Thread-safe: requests older than this generation are dropped unstarted.
    void supersede(int generation) { m_latest = generation; }

  public Q_SLOTS:
    void setModel(const QString& dir, const QString& device, int threads);
    void inspect(qint64 sampleId, const QString& cachePath, qint64 run, int layer, int generation);

  Q_SIGNALS:
    void inspected(const ladm::ui::SampleInspection& s);

  private:
    bool stale(int generation) const { return generation < m_latest.load(); }

    QString m_modelDir, m_device, m_cachePath;
    int m_threads = 0;
    std::unique_ptr<Tokenizer> m_tokenizer;
    std::unique_ptr<Engine> m_engine; // for single-layer heatmaps only
    std::unique_ptr<Cache> m_cache;
    std::atomic<int> m_latest{0};
};

} // namespace ladm::ui

Q_DECLARE_METATYPE(ladm::ui::SampleInspection)
