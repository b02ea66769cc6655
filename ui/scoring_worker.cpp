#include "ui/scoring_worker.h"

#include "core/store/cache.h"
#include "core/text/utf8.h"
#include "ui/span_heatmap.h"

#include <QThread>

namespace ladm::ui {

ScoringWorker::ScoringWorker() {
    qRegisterMetaType<ModelSummary>();
    qRegisterMetaType<SampleInspection>();
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
    ScoreJobSummary sum;
    std::string err;
    const bool ok = run_score_job(
        *m_engine, *m_tokenizer, o,
        [&](const ScoreJobProgress& p) {
            Q_EMIT progress(p);
            while (m_paused && !m_cancel)
                QThread::msleep(50);
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

void ScoringWorker::inspect(qint64 sampleId, const QString& cachePath, qint64 run, int layer,
                            int generation) {
    SampleInspection s;
    s.sampleId = sampleId;
    s.generation = generation;
    s.layer = layer;
    std::string err;
    auto cache = Cache::open(cachePath.toStdString(), &err);
    if (!cache) {
        s.error = QString::fromStdString(err);
        Q_EMIT inspected(s);
        return;
    }
    const std::optional<ResultRow> row = cache->result_row(run, sampleId);
    auto res = row ? cache->result(run, sampleId) : std::nullopt;
    if (!row || !res) {
        s.error = tr("sample not scored in this run");
        Q_EMIT inspected(s);
        return;
    }
    Sample sample;
    const auto points = cache->access_points(row->loc.file);
    if (!CorpusReader::read_at(row->loc, CorpusOptions{}, &sample, &err, &points)) {
        s.error = QString::fromStdString(err);
        Q_EMIT inspected(s);
        return;
    }
    s.status = QString::fromStdString(res->status);
    s.cds = res->cds;
    s.tokens = res->tokens_scored;
    s.windows = res->windows;
    for (auto t : res->span_starts)
        s.spanStarts << t;
    for (auto a : res->afs)
        s.afs << a;
    s.mass = QVector<float>(res->span_mass.begin(), res->span_mass.end());
    const LadmParams params = run_params(*cache, run);
    s.span = params.span;
    s.interval = int(params.interval());
    if (m_tokenizer && !sample.pretokenized) {
        const Encoding enc = m_tokenizer->encode(sample.text, true);
        if (!enc.error.empty()) { // the viewer says why instead of showing an empty text
            s.error = QString::fromStdString(enc.error);
            Q_EMIT inspected(s);
            return;
        }
        s.text = QString::fromStdString(enc.text);
        // character offsets count code points; QString indexes UTF-16 units
        std::vector<int> cp_to_u16;
        cp_to_u16.reserve(size_t(s.text.size()) + 1);
        for (int i = 0; i < s.text.size(); ++i) {
            if (s.text[i].isLowSurrogate()) continue;
            cp_to_u16.push_back(i);
        }
        cp_to_u16.push_back(int(s.text.size()));
        for (const auto& [b, e] : enc.offsets)
            s.tokenCharBegin
                << cp_to_u16[size_t(std::min<int64_t>(b, int64_t(cp_to_u16.size() - 1)))];
        // A single layer's matrix: score this sample again, keeping the per-layer matrices.
        if (layer >= 0 && m_engine && layer < int(m_engine->info().config.num_layers)) {
            const LadmParams& p = params;
            ScoreOptions so;
            so.keep_layer_matrices = true;
            const auto r = m_engine->score(enc.ids, p, so);
            if (r.status == ScoreStatus::Ok && size_t(layer) < r.layer_span_mass.size())
                s.mass = QVector<float>(r.layer_span_mass[size_t(layer)].begin(),
                                        r.layer_span_mass[size_t(layer)].end());
        }
    } else {
        s.text = QString::fromStdString(sample.text);
    }
    s.heatmap = render_heatmap(s.spanStarts, s.windows, s.tokens, s.span, s.mass, Qt::white);
    Q_EMIT inspected(s);
}

} // namespace ladm::ui
