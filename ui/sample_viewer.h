// The sample viewer: the text with every LADM query span tinted by its AFS (legend below),
// the span x window heatmap beside it, and a layer selector. Clicking a query span in the
// heatmap marks, in the text, the earlier windows it draws on most and scrolls to them.
#pragma once

#include "ui/inspect_worker.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPlainTextEdit;

namespace ladm::ui {

class SpanHeatmap;

class SampleViewer : public QWidget {
    Q_OBJECT
  public:
    explicit SampleViewer(QWidget* parent = nullptr);
    void setLayerCount(int layers);
    void show(const SampleInspection& s);
    void showMessage(const QString& text);
    int layer() const;        // -1 = mean
    void setLayer(int layer); // as if chosen in the layer box
    const SampleInspection& current() const { return m_s; }
    SpanHeatmap* heatmap() const { return m_heatmap; }
    // Earlier windows (token ranges) the query span draws on most, strongest first.
    QVector<QPair<qint64, float>> strongestWindows(int spanIndex, int count) const;

  Q_SIGNALS:
    void layerChanged(int layer);

  private:
    void highlightDependencies(int spanIndex);
    int charOfToken(qint64 token) const;

    SampleInspection m_s;
    qint64 m_shownSample = 0; // whose text is in m_text
    QPlainTextEdit* m_text;
    SpanHeatmap* m_heatmap;
    QComboBox* m_layer;
    QLabel* m_header;
    QLabel* m_legend;
};

} // namespace ladm::ui
