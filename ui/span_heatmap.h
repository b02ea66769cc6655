// The span x window heatmap: one row per LADM query span (earliest at the top), one column
// per C-token window of the grid anchored at the end of the sample; lower triangular.
// Axes in tokens and a log colour scale with its values; hover shows query span, key
// window, distance and mass; a click selects a query span and shows that cell's numbers.
#pragma once

#include <QImage>
#include <QVector>
#include <QWidget>

namespace ladm::ui {

class SpanHeatmap : public QWidget {
    Q_OBJECT
  public:
    explicit SpanHeatmap(QWidget* parent = nullptr);
    // mass: [spans x windows] row-major, rows in the order of spanStarts (descending t).
    void setData(const QVector<qint64>& spanStarts, qint64 windows, qint64 tokens, int span,
                 const QVector<float>& mass, const QImage& prerendered = {});
    void clear();
    int selectedSpan() const { return m_selected; }
    // window index -> token range
    qint64 windowBegin(qint64 w) const;
    qint64 windowEnd(qint64 w) const;
    QSize sizeHint() const override { return {420, 380}; }

  Q_SIGNALS:
    void querySpanClicked(int spanIndex);

  protected:
    void paintEvent(QPaintEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void resizeEvent(QResizeEvent*) override;

  private:
    bool cellAt(const QPoint& p, int* spanIndex, qint64* window) const;
    QRect plotRect() const;
    void rebuildImage();

    QVector<qint64> m_starts;
    qint64 m_windows = 0, m_tokens = 0;
    int m_span = 128;
    QVector<float> m_mass;
    QImage m_image; // one pixel per cell, scaled when painted
    int m_selected = -1;
    QString m_caption;               // the clicked cell's numbers
    double m_logLo = 0, m_logHi = 0; // the colour scale's range (log of the mass)
};

// Colour scale shared by the heatmap and the text tint (0..1 -> white..dark red).
QColor heat_color(double t);

// One pixel per cell, log colour scale; thread-safe (the worker renders it off the GUI
// thread for long samples).
QImage render_heatmap(const QVector<qint64>& spanStarts, qint64 windows, qint64 tokens, int span,
                      const QVector<float>& mass, const QColor& empty);

} // namespace ladm::ui
