#include "ui/sample_viewer.h"

#include "ui/span_heatmap.h"

#include "core/curate/inspection.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTextBlock>
#include <QVBoxLayout>

#include <algorithm>
#include <numeric>

namespace ladm::ui {

SampleViewer::SampleViewer(QWidget* parent)
    : QWidget(parent) {
    m_header = new QLabel(tr("Select a sample in the table."));
    m_header->setWordWrap(true);
    m_layer = new QComboBox;
    m_layer->addItem(tr("mean over layers"), -1);
    m_text = new QPlainTextEdit;
    m_text->setReadOnly(true);
    m_text->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_heatmap = new SpanHeatmap;
    m_legend = new QLabel;
    QImage grad(200, 12, QImage::Format_RGB32);
    for (int x = 0; x < 200; ++x)
        for (int y = 0; y < 12; ++y)
            grad.setPixelColor(x, y, heat_color(x / 199.0));
    auto* legendImg = new QLabel;
    legendImg->setPixmap(QPixmap::fromImage(grad));
    m_legend->setText(tr("text: each query span tinted by the rank of its AFS, lowest to highest "
                         "(hover for the value); click a heatmap row to mark the windows it "
                         "draws on"));

    auto* top = new QHBoxLayout;
    top->addWidget(m_header, 1);
    top->addWidget(new QLabel(tr("layer:")));
    top->addWidget(m_layer);
    auto* legend = new QHBoxLayout;
    legend->addWidget(legendImg);
    legend->addWidget(m_legend, 1);
    auto* split = new QSplitter;
    split->addWidget(m_text);
    split->addWidget(m_heatmap);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* lay = new QVBoxLayout(this);
    lay->addLayout(top);
    lay->addWidget(split, 1);
    lay->addLayout(legend);

    connect(m_layer, &QComboBox::currentIndexChanged, this,
            [this] { Q_EMIT layerChanged(layer()); });
    connect(m_heatmap, &SpanHeatmap::querySpanClicked, this, &SampleViewer::highlightDependencies);
}

void SampleViewer::setLayerCount(int layers) {
    QSignalBlocker b(m_layer);
    m_layer->clear();
    m_layer->addItem(tr("mean over layers"), -1);
    for (int l = 0; l < layers; ++l)
        m_layer->addItem(tr("layer %1").arg(l), l);
}

void SampleViewer::setLayer(int layer) {
    const int i = m_layer->findData(layer);
    if (i >= 0) m_layer->setCurrentIndex(i);
}

int SampleViewer::layer() const {
    return m_layer->currentData().toInt();
}

void SampleViewer::showMessage(const QString& text) {
    m_shownSample = 0;
    m_header->setText(text);
    m_text->clear();
    m_heatmap->clear();
}

int SampleViewer::charOfToken(qint64 token) const {
    if (m_s.tokenCharBegin.isEmpty()) return 0;
    if (token >= m_s.tokenCharBegin.size()) return int(m_s.text.size());
    return m_s.tokenCharBegin[int(std::max<qint64>(0, token))];
}

void SampleViewer::show(const SampleInspection& s) {
    m_s = s;
    if (s.status.isEmpty()) { // not even the sample could be read
        showMessage(tr("Cannot show this sample: %1").arg(s.error));
        return;
    }
    QString head =
        s.status == "pending"
            ? tr("%1 (%2): not scored yet, %3 characters").arg(s.key, s.domain).arg(s.chars)
            : tr("%1 (%2): %3 tokens, status %4%5")
                  .arg(s.key, s.domain)
                  .arg(s.tokens)
                  .arg(s.status)
                  .arg(s.status == "ok" ? tr(", CDS %1").arg(s.cds, 0, 'g', 4) : QString());
    if (!s.error.isEmpty()) head += tr(" - %1").arg(s.error);
    if (!s.textError.isEmpty()) head += tr(" - text: %1").arg(s.textError);
    if (s.computingLayer >= 0)
        head += tr(" - computing layer %1... (showing the layer mean)").arg(s.computingLayer);
    else if (s.layer >= 0)
        head += tr(" - layer %1").arg(s.layer);
    m_header->setText(head);
    // Plain text first (fast even for 32K-token documents), then the tints as extra
    // selections, which do not touch the document.
    const bool sameText =
        s.sampleId == m_shownSample && s.text.size() == m_text->document()->characterCount() - 1;
    if (!sameText) m_text->setPlainText(s.text); // a layer's matrix keeps the place in the text
    m_shownSample = s.sampleId;
    QList<QTextEdit::ExtraSelection> sel;
    // Tint by rank: AFS values span orders of magnitude, and a tint in proportion to the
    // largest leaves all but a few spans white.
    QVector<int> order(s.afs.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return s.afs[a] < s.afs[b]; });
    QVector<double> rank(s.afs.size());
    for (int k = 0; k < order.size(); ++k)
        rank[order[k]] = order.size() > 1 ? double(k) / (order.size() - 1) : 1.0;
    for (int i = 0; i < s.spanStarts.size() && i < s.afs.size(); ++i) {
        QTextEdit::ExtraSelection x;
        x.cursor = QTextCursor(m_text->document());
        x.cursor.setPosition(charOfToken(s.spanStarts[i]));
        x.cursor.setPosition(charOfToken(s.spanStarts[i] + s.span), QTextCursor::KeepAnchor);
        x.format.setBackground(heat_color(0.08 + 0.72 * rank[i]));
        x.format.setToolTip(tr("query span [%1, %2): AFS %3")
                                .arg(s.spanStarts[i])
                                .arg(s.spanStarts[i] + s.span)
                                .arg(s.afs[i], 0, 'g', 4));
        sel << x;
    }
    m_text->setExtraSelections(sel);
    // Query spans are C tokens every I = C * d_afs tokens from the end: open the text at
    // the span with the highest AFS, so the tints are in view at once.
    if (!sameText && !order.isEmpty()) {
        QTextCursor c(m_text->document());
        c.setPosition(charOfToken(s.spanStarts.value(order.back())));
        m_text->setTextCursor(c);
        m_text->centerCursor();
    }
    m_heatmap->setData(s.spanStarts, s.windows, s.tokens, s.span, s.mass, s.heatmap);
}

QVector<QPair<qint64, float>> SampleViewer::strongestWindows(int spanIndex, int count) const {
    QVector<QPair<qint64, float>> out;
    if (spanIndex < 0 || spanIndex >= m_s.spanStarts.size() || count <= 0) return out;
    const std::vector<int64_t> starts(m_s.spanStarts.begin(), m_s.spanStarts.end());
    const std::vector<float> mass(m_s.mass.begin(), m_s.mass.end());
    for (const auto& d : strongest_dependencies(starts, mass, {m_s.tokens, m_s.windows, m_s.span},
                                                size_t(count), spanIndex))
        out.push_back({d.key_begin, d.mass});
    return out;
}

void SampleViewer::highlightDependencies(int spanIndex) {
    auto sel = m_text->extraSelections();
    // drop the previous dependency marks (they carry a property)
    sel.erase(std::remove_if(sel.begin(), sel.end(),
                             [](const QTextEdit::ExtraSelection& x) {
                                 return x.format.property(QTextFormat::UserProperty).toBool();
                             }),
              sel.end());
    const auto top = strongestWindows(spanIndex, 5);
    for (const auto& [b, mass] : top) {
        QTextEdit::ExtraSelection x;
        x.cursor = QTextCursor(m_text->document());
        x.cursor.setPosition(charOfToken(b));
        x.cursor.setPosition(charOfToken(b + m_s.span), QTextCursor::KeepAnchor);
        x.format.setBackground(QColor(120, 170, 255));
        x.format.setProperty(QTextFormat::UserProperty, true);
        x.format.setToolTip(
            tr("drawn on by query span %1: mass %2").arg(spanIndex).arg(double(mass), 0, 'g', 4));
        sel << x;
    }
    const qint64 t = m_s.spanStarts.value(spanIndex);
    QTextEdit::ExtraSelection q;
    q.cursor = QTextCursor(m_text->document());
    q.cursor.setPosition(charOfToken(t));
    q.cursor.setPosition(charOfToken(t + m_s.span), QTextCursor::KeepAnchor);
    q.format.setBackground(QColor(170, 255, 170));
    q.format.setProperty(QTextFormat::UserProperty, true);
    sel << q;
    m_text->setExtraSelections(sel);
    if (!top.isEmpty()) {
        QTextCursor c(m_text->document());
        c.setPosition(charOfToken(top.front().first));
        m_text->setTextCursor(c);
        m_text->centerCursor();
    }
}

} // namespace ladm::ui
