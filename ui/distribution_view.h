// CDS distributions (Qt Charts): a histogram overall or for one domain, box plots per
// domain, and the selection threshold drawn on the histogram, movable by slider or spin box.
#pragma once

#include "core/curate/selection.h"

#include <QWidget>

class QChart;
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

  private:
    void rebuild();
    void moveThresholdLine();

    std::vector<Candidate> m_c;
    bool m_partial = false;
    double m_lo = 0, m_hi = 1;
    QChart* m_hist;
    QChart* m_box;
    QValueAxis* m_axisX = nullptr;
    QValueAxis* m_axisY = nullptr;
    QLineSeries* m_thresholdLine = nullptr;
    QComboBox* m_domain;
    QSlider* m_slider;
    QDoubleSpinBox* m_spin;
};

} // namespace ladm::ui
