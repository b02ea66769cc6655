#include "ui/inspect_worker.h"

#include "core/curate/inspection.h"
#include "core/model/engine.h"
#include "core/store/cache.h"
#include "core/text/tokenizer.h"
#include "ui/span_heatmap.h"

namespace ladm::ui {

InspectWorker::InspectWorker() {
    qRegisterMetaType<SampleInspection>();
}

InspectWorker::~InspectWorker() = default;

void InspectWorker::setModel(const QString& dir, const QString& device, int threads) {
    m_modelDir = dir;
    m_device = device;
    m_threads = threads;
    m_engine.reset(); // opened again, for this model, when a layer is asked for
    std::string err;
    m_tokenizer = Tokenizer::from_dir(dir.toStdString(), &err); // null: text shown untokenised
}

namespace {
QVector<int> token_char_begins(const QString& text, const Encoding& enc) {
    // the encoding's offsets count code points; QString indexes UTF-16 units
    std::vector<int> cp_to_u16;
    cp_to_u16.reserve(size_t(text.size()) + 1);
    for (int i = 0; i < text.size(); ++i)
        if (!text[i].isLowSurrogate()) cp_to_u16.push_back(i);
    cp_to_u16.push_back(int(text.size()));
    QVector<int> out;
    out.reserve(qsizetype(enc.offsets.size()));
    for (const auto& [b, e] : enc.offsets)
        out << cp_to_u16[size_t(std::clamp<int64_t>(b, 0, int64_t(cp_to_u16.size() - 1)))];
    return out;
}
// The heatmap image and the strongest distant dependencies of s.mass, off the GUI thread.
void derive(SampleInspection* s) {
    s->heatmap = render_heatmap(s->spanStarts, s->windows, s->tokens, s->span, s->mass, Qt::white);
    const std::vector<int64_t> starts(s->spanStarts.begin(), s->spanStarts.end());
    const std::vector<float> mass(s->mass.begin(), s->mass.end());
    s->strongest.clear();
    for (const auto& d : strongest_dependencies(starts, mass, {s->tokens, s->windows, s->span}, 8))
        s->strongest.push_back({int(d.span_index), d.query_begin, d.key_begin, d.mass});
}
} // namespace

void InspectWorker::inspect(qint64 sampleId, const QString& cachePath, qint64 run, int layer,
                            int generation) {
    if (stale(generation)) return;
    SampleInspection s;
    s.sampleId = sampleId;
    s.generation = generation;
    std::string err;
    if (!m_cache || cachePath != m_cachePath) {
        m_cache = Cache::open(cachePath.toStdString(), &err);
        m_cachePath = m_cache ? cachePath : QString();
    }
    SampleEvidence ev;
    if (!m_cache || !inspect_sample(*m_cache, m_tokenizer.get(), run, sampleId, &ev, &err)) {
        s.error = QString::fromStdString(err);
        Q_EMIT inspected(s);
        return;
    }
    s.key = QString::fromStdString(ev.sample.key);
    s.domain = QString::fromStdString(ev.sample.domain);
    s.chars = ev.sample.chars;
    s.status = QString::fromStdString(ev.status);
    s.error = QString::fromStdString(ev.error);
    s.textError = QString::fromStdString(ev.text_error);
    s.cds = ev.cds;
    s.tokens = ev.tokens_scored;
    s.windows = ev.grid.windows;
    s.span = ev.params.span;
    for (auto t : ev.span_starts)
        s.spanStarts << t;
    for (auto a : ev.afs)
        s.afs << a;
    s.mass = QVector<float>(ev.span_mass.begin(), ev.span_mass.end());
    s.text = QString::fromStdString(ev.text);
    if (!ev.encoding.ids.empty()) s.tokenCharBegin = token_char_begins(s.text, ev.encoding);
    derive(&s);
    const bool wantLayer = layer >= 0 && ev.scored() && !ev.encoding.ids.empty();
    if (!wantLayer) {
        Q_EMIT inspected(s);
        return;
    }
    // The stored layer mean at once, marked "computing layer N", then that layer's matrix:
    // this sample scored again on this thread's engine, keeping the per-layer matrices.
    s.computingLayer = layer;
    Q_EMIT inspected(s);
    if (stale(generation)) return; // the user moved on: do not spend the forward pass
    if (!m_engine) {
        EngineOptions o;
        o.device = m_device.toStdString();
        o.threads = m_threads;
        m_engine = Engine::open(m_modelDir.toStdString(), o, &err);
    }
    s.computingLayer = -1;
    if (!m_engine || layer >= int(m_engine->info().config.num_layers)) {
        s.textError = m_engine ? tr("the model has no layer %1").arg(layer)
                               : tr("cannot open the model for layer %1: %2")
                                     .arg(layer)
                                     .arg(QString::fromStdString(err));
        Q_EMIT inspected(s);
        return;
    }
    ScoreOptions so;
    so.keep_layer_matrices = true;
    const auto r = m_engine->score(ev.encoding.ids, ev.params, so);
    if (r.status == ScoreStatus::Ok && size_t(layer) < r.layer_span_mass.size()) {
        s.layer = layer;
        s.mass = QVector<float>(r.layer_span_mass[size_t(layer)].begin(),
                                r.layer_span_mass[size_t(layer)].end());
        derive(&s);
    } else {
        s.textError = tr("layer %1 could not be computed: %2")
                          .arg(layer)
                          .arg(QString::fromStdString(r.error));
    }
    Q_EMIT inspected(s);
}

} // namespace ladm::ui
