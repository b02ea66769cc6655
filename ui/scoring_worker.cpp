#include "ui/scoring_worker.h"

#include "core/store/cache.h"

#include <QThread>

namespace ladm::ui {

ScoringWorker::ScoringWorker() {
    qRegisterMetaType<ModelSummary>();
    qRegisterMetaType<ScoreJobProgress>();
    qRegisterMetaType<LadmParams>();
}

ScoringWorker::~ScoringWorker() = default;

void ScoringWorker::loadModel(const QString& dir, const QString& device, int threads) {
    std::string err;
    EngineOptions o;
    o.device = device.toStdString();
    o.threads = threads;
    auto tok = Tokenizer::from_dir(dir.toStdString(), &err);
    auto engine = tok ? Engine::open(dir.toStdString(), o, &err) : nullptr;
    if (!engine) {
        Q_EMIT modelFailed(QString::fromStdString(err));
        return;
    }
    m_engine = std::move(engine);
    m_tokenizer = std::move(tok);
    const auto& info = m_engine->info();
    ModelSummary m;
    m.dir = dir;
    m.modelType = QString::fromStdString(info.config.model_type);
    m.device = QString::fromStdString(info.device);
    m.fingerprint = QString::fromStdString(info.fingerprint);
    m.layers = int(info.config.num_layers);
    m.threads = info.threads;
    m.parameters = qint64(info.parameter_count);
    for (const auto& w : info.warnings)
        m.warnings << QString::fromStdString(w);
    Q_EMIT modelLoaded(m);
}

void ScoringWorker::score(const QStringList& inputs, const QString& cachePath,
                          const LadmParams& params) {
    if (!m_engine) {
        Q_EMIT finished(false, false, tr("No model is loaded."));
        return;
    }
    m_cancel = false;
    m_paused = false;
    ScoreJobOptions o;
    for (const auto& i : inputs)
        o.inputs.push_back(i.toStdString());
    o.cache_path = cachePath.toStdString();
    o.params = params;
    o.scorers = m_scorers;
    ScoreJobSummary sum;
    std::string err;
    const bool ok = run_score_job(
        *m_engine, *m_tokenizer, o,
        [&](const ScoreJobProgress& p) {
            Q_EMIT progress(p);
            m_holding = m_paused && !m_cancel;
            while (m_paused && !m_cancel)
                QThread::msleep(50);
            m_holding = false;
            return !m_cancel.load();
        },
        [&](const Problem& p) {
            Q_EMIT problem(QString::fromStdString(p.where()),
                           QString::fromUtf8(problem_name(p.kind)),
                           QString::fromStdString(p.message));
        },
        &sum, &err);
    const auto& t = sum.totals;
    QString text = tr("%1 samples: %2 scored, %3 cached, %4 failed, %5 input problems")
                       .arg(t.samples)
                       .arg(t.scored)
                       .arg(t.cached)
                       .arg(t.failed)
                       .arg(sum.problems.size());
    if (!ok) text = QString::fromStdString(err);
    Q_EMIT finished(ok, sum.cancelled, text);
}

} // namespace ladm::ui
