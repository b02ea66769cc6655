// CDS distributions (Qt Charts): a histogram overall, for one domain or one per domain
// overlaid, on a linear or log CDS axis with whole-sample counts; box plots per domain; the
// selection threshold drawn on the histogram, movable by slider or spin box.
#pragma once

#include "core/curate/selection.h"

#include <QWidget>

class QAbstractAxis;
class QBoxPlotSeries;
class QChart;
class QCheckBox;
class QChartView;
class QComboBox;
class QDoubleSpinBox;
class QLineSeries;
class QSlider;
class QValueAxis;

namespace ladm::ui {

class DistributionView : public QWidget {
    Q_OBJECT
  public:
    explicit DistributionView(QWidget* parent = nullptr);
    void setCandidates(const std::vector<Candidate>& c, bool partial);
    double threshold() const;
    void setThreshold(double t);

  Q_SIGNALS:
    void thresholdChanged(double t);

  protected:
    void showEvent(QShowEvent* e) override;

  private:
    void rebuild();
    void moveThresholdLine();

    std::vector<Candidate> m_c;
    bool m_partial = false;
    double m_lo = 0, m_hi = 1;
    QChart* m_hist;
    QChart* m_box;
    QAbstractAxis* m_axisX = nullptr;
    QValueAxis* m_axisY = nullptr;
    QLineSeries* m_thresholdLine = nullptr;
    QList<QLineSeries*> m_series; // the histogram's, in the order of m_seriesNames
    QStringList m_seriesNames, m_boxDomains;
    bool m_shownLog = false, m_dirty = false;
    QBoxPlotSeries* m_boxSeries = nullptr;
    QComboBox* m_domain;
    QCheckBox* m_logX;
    QCheckBox* m_overlay;
    QSlider* m_slider;
    QDoubleSpinBox* m_spin;
};

} // namespace ladm::ui
