#include "ui/span_heatmap.h"

#include "core/curate/inspection.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace ladm::ui {

QColor heat_color(double t) {
    t = std::clamp(t, 0.0, 1.0);
    // white -> yellow -> orange -> dark red
    const double r = 1.0 - 0.45 * std::max(0.0, t - 0.6) / 0.4;
    const double g = 1.0 - 0.9 * t;
    const double b = 1.0 - std::min(1.0, t * 2.2);
    return QColor::fromRgbF(float(r), float(std::max(0.0, g)), float(std::max(0.0, b)));
}

SpanHeatmap::SpanHeatmap(QWidget* parent)
    : QWidget(parent) {
    setMouseTracking(true);
    setMinimumSize(160, 160);
}

void SpanHeatmap::setData(const QVector<qint64>& starts, qint64 windows, qint64 tokens, int span,
                          const QVector<float>& mass, const QImage& prerendered) {
    m_starts = starts;
    m_windows = windows;
    m_tokens = tokens;
    m_span = span;
    m_mass = mass;
    m_selected = -1;
    m_caption.clear();
    float lo = 1e30f, hi = 0;
    for (float v : mass)
        if (v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
    m_logHi = std::log(std::max(hi, 1e-30f)); // the colour scale of render_heatmap
    m_logLo = std::log(std::max(lo, hi * 1e-4f));
    if (!prerendered.isNull())
        m_image = prerendered;
    else
        rebuildImage();
    update();
}

void SpanHeatmap::clear() {
    setData({}, 0, 0, 128, {});
}

qint64 SpanHeatmap::windowEnd(qint64 w) const {
    return StoredWindows{m_tokens, m_windows, m_span}.end(w);
}
qint64 SpanHeatmap::windowBegin(qint64 w) const {
    return StoredWindows{m_tokens, m_windows, m_span}.begin(w);
}

QImage render_heatmap(const QVector<qint64>& starts, qint64 windows, qint64 tokens, int span,
                      const QVector<float>& mass, const QColor& empty) {
    const int rows = int(starts.size());
    if (rows == 0 || windows == 0 || mass.size() < rows * windows) return {};
    const StoredWindows grid{tokens, windows, span};
    // Log scale over the non-zero cells: the mass spans orders of magnitude.
    float lo = 1e30f, hi = 0;
    for (float v : mass)
        if (v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
    const double llo = std::log(std::max(lo, hi * 1e-4f)), lhi = std::log(std::max(hi, 1e-30f));
    QImage img(int(windows), rows, QImage::Format_RGB32);
    img.fill(empty);
    for (int r = 0; r < rows; ++r) {
        auto* line = reinterpret_cast<QRgb*>(img.scanLine(rows - 1 - r)); // earliest span on top
        for (qint64 w = 0; w < windows; ++w) {
            if (grid.begin(w) >= starts[r]) break; // at or after the span: empty
            const float v = mass[r * windows + w];
            const double t = v > 0 ? (std::log(v) - llo) / std::max(1e-9, lhi - llo) : 0;
            line[w] = heat_color(t).rgb();
        }
    }
    return img;
}

void SpanHeatmap::rebuildImage() {
    m_image = render_heatmap(m_starts, m_windows, m_tokens, m_span, m_mass,
                             palette().color(QPalette::Base));
}

QRect SpanHeatmap::plotRect() const {
    // room for the caption (top), the query axis (left), the key axis (bottom) and the
    // colour scale (right)
    const int lh = fontMetrics().height();
    return rect().adjusted(lh + 46, lh + 8, -(lh + 72), -(2 * lh + 10));
}

void SpanHeatmap::resizeEvent(QResizeEvent*) {
    update();
}

void SpanHeatmap::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Window));
    if (m_image.isNull()) {
        p.drawText(rect(), Qt::AlignCenter, tr("no span data"));
        return;
    }
    const QRect r = plotRect();
    const int lh = fontMetrics().height();
    const int rows = int(m_starts.size());
    p.drawImage(r, m_image);
    p.setPen(palette().color(QPalette::WindowText));
    p.drawRect(r.adjusted(0, 0, -1, -1));
    // Query axis: the start token of the span of each row (earliest on top).
    for (int k = 0; k <= 4 && rows > 0; ++k) {
        const int row = std::min(rows - 1, k * (rows - 1) / 4); // image row, from the top
        const int y = int(r.top() + (row + 0.5) * double(r.height()) / rows);
        p.drawLine(r.left() - 4, y, r.left(), y);
        p.drawText(QRect(0, y - lh / 2, r.left() - 6, lh), Qt::AlignRight | Qt::AlignVCenter,
                   QString::number(m_starts[rows - 1 - row]));
    }
    // Key axis: the start token of each window.
    for (int k = 0; k <= 4 && m_windows > 0; ++k) {
        const qint64 w = std::min<qint64>(m_windows - 1, k * (m_windows - 1) / 4);
        const int x = int(r.left() + (w + 0.5) * double(r.width()) / m_windows);
        p.drawLine(x, r.bottom(), x, r.bottom() + 4);
        p.drawText(QRect(x - 40, r.bottom() + 5, 80, lh), Qt::AlignHCenter | Qt::AlignTop,
                   QString::number(windowBegin(w)));
    }
    p.drawText(QRect(r.left(), r.bottom() + lh + 6, r.width(), lh), Qt::AlignHCenter,
               tr("key window start (token), %1-token windows").arg(m_span));
    p.save();
    p.translate(lh - 2, r.center().y());
    p.rotate(-90);
    p.drawText(QRect(-r.height() / 2, -lh, r.height(), lh + 2), Qt::AlignHCenter,
               tr("query span start (token)"));
    p.restore();
    // Colour scale with its values (log).
    const QRect bar(r.right() + 10, r.top(), 12, r.height());
    for (int y = 0; y < bar.height(); ++y) {
        p.setPen(heat_color(1.0 - double(y) / std::max(1, bar.height() - 1)));
        p.drawLine(bar.left(), bar.top() + y, bar.right(), bar.top() + y);
    }
    p.setPen(palette().color(QPalette::WindowText));
    p.drawRect(bar.adjusted(0, 0, -1, -1));
    for (int k = 0; k <= 2; ++k) {
        const double t = 1.0 - k / 2.0;
        const double v = std::exp(m_logLo + t * (m_logHi - m_logLo));
        const int y = bar.top() + int(k / 2.0 * (bar.height() - 1));
        p.drawText(QRect(bar.right() + 3, y - lh / 2, 70, lh), Qt::AlignLeft | Qt::AlignVCenter,
                   QString::number(v, 'g', 2));
    }
    // Caption: the clicked cell's numbers, or how to get them.
    p.drawText(QRect(0, 2, width(), lh + 4), Qt::AlignHCenter | Qt::AlignVCenter,
               m_caption.isEmpty() ? tr("attention mass of a query span on an earlier window "
                                        "(click a cell)")
                                   : m_caption);
    if (m_selected >= 0) {
        const double h = double(r.height()) / rows;
        const int y = int(r.top() + (rows - 1 - m_selected) * h);
        p.setPen(QPen(Qt::blue, 2));
        p.drawRect(QRect(r.left(), y, r.width(), std::max(2, int(h))));
    }
}

bool SpanHeatmap::cellAt(const QPoint& pt, int* spanIndex, qint64* window) const {
    const QRect r = plotRect();
    if (m_image.isNull() || !r.contains(pt)) return false;
    const int rows = int(m_starts.size());
    const int y = int((pt.y() - r.top()) * double(rows) / r.height());
    *spanIndex = rows - 1 - std::clamp(y, 0, rows - 1);
    *window = std::clamp<qint64>(qint64((pt.x() - r.left()) * double(m_windows) / r.width()), 0,
                                 m_windows - 1);
    return true;
}

void SpanHeatmap::mouseMoveEvent(QMouseEvent* e) {
    int s = 0;
    qint64 w = 0;
    if (!cellAt(e->position().toPoint(), &s, &w)) {
        QToolTip::hideText();
        return;
    }
    const qint64 t = m_starts[s];
    if (windowBegin(w) >= t) {
        QToolTip::showText(e->globalPosition().toPoint(),
                           tr("query span [%1, %2): no earlier window here").arg(t).arg(t + m_span),
                           this);
        return;
    }
    const float mass = m_mass[s * m_windows + w];
    QToolTip::showText(e->globalPosition().toPoint(),
                       tr("query span [%1, %2)\nkey window [%3, %4)\ndistance %5 tokens\nmass %6")
                           .arg(t)
                           .arg(t + m_span)
                           .arg(windowBegin(w))
                           .arg(windowEnd(w))
                           .arg(t - windowBegin(w))
                           .arg(double(mass), 0, 'g', 4),
                       this);
}

void SpanHeatmap::mousePressEvent(QMouseEvent* e) {
    int s = 0;
    qint64 w = 0;
    if (!cellAt(e->position().toPoint(), &s, &w)) return;
    m_selected = s;
    const qint64 t = m_starts[s];
    m_caption = windowBegin(w) >= t
                    ? tr("query span [%1, %2): no earlier window there").arg(t).arg(t + m_span)
                    : tr("query [%1, %2) -> key [%3, %4): distance %5, mass %6")
                          .arg(t)
                          .arg(t + m_span)
                          .arg(windowBegin(w))
                          .arg(windowEnd(w))
                          .arg(t - windowBegin(w))
                          .arg(double(m_mass[s * m_windows + w]), 0, 'g', 4);
    update();
    Q_EMIT querySpanClicked(s);
}

} // namespace ladm::ui
