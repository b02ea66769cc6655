#include "ui/distribution_view.h"

#include "core/curate/recipe.h"

#include <QBarCategoryAxis>
#include <QBoxPlotSeries>
#include <QBoxSet>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QSlider>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace ladm::ui {

DistributionView::DistributionView(QWidget* parent)
    : QWidget(parent) {
    m_hist = new QChart;
    m_hist->legend()->setVisible(false);
    m_box = new QChart;
    m_box->legend()->setVisible(false);
    auto* hv = new QChartView(m_hist);
    auto* bv = new QChartView(m_box);
    // no antialiasing: step lines do not need it, and it doubles the cost of a repaint
    m_domain = new QComboBox;
    m_domain->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_logX = new QCheckBox(tr("&log CDS"));
    m_overlay = new QCheckBox(tr("p&er domain"));
    m_overlay->setToolTip(tr("one histogram per domain, overlaid (with all domains shown)"));
    for (auto* c : {m_logX, m_overlay})
        connect(c, &QCheckBox::toggled, this, [this] { rebuild(); });
    m_slider = new QSlider(Qt::Horizontal);
    m_slider->setMinimumWidth(140);
    m_slider->setRange(0, 1000);
    m_spin = new QDoubleSpinBox;
    m_spin->setDecimals(6);
    m_spin->setSingleStep(0.001);
    m_spin->setRange(-1e9, 1e9);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("domain:")));
    controls->addWidget(m_domain);
    controls->addWidget(m_overlay);
    controls->addWidget(m_logX);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("threshold:")));
    controls->addWidget(m_slider, 1);
    controls->addWidget(m_spin);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(hv);
    split->addWidget(bv);
    auto* lay = new QVBoxLayout(this);
    lay->addLayout(controls);
    lay->addWidget(split, 1);

    connect(m_domain, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    connect(m_slider, &QSlider::valueChanged, this, [this](int v) {
        const double t = m_lo + (m_hi - m_lo) * v / 1000.0;
        QSignalBlocker b(m_spin);
        m_spin->setValue(t);
        moveThresholdLine();
        Q_EMIT thresholdChanged(t);
    });
    connect(m_spin, &QDoubleSpinBox::valueChanged, this, [this](double t) {
        QSignalBlocker b(m_slider);
        m_slider->setValue(int(std::lround(1000.0 * (t - m_lo) / std::max(1e-12, m_hi - m_lo))));
        moveThresholdLine();
        Q_EMIT thresholdChanged(t);
    });
}

double DistributionView::threshold() const {
    return m_spin->value();
}

void DistributionView::setThreshold(double t) {
    m_spin->setValue(t);
}

void DistributionView::setCandidates(const std::vector<Candidate>& c, bool partial) {
    m_c = c;
    m_partial = partial;
    std::set<std::string> domains;
    double lo = 1e300, hi = -1e300;
    for (const auto& x : m_c)
        if (x.scored) domains.insert(x.domain), lo = std::min(lo, x.cds), hi = std::max(hi, x.cds);
    if (lo > hi) lo = 0, hi = 1;
    if (hi - lo < 1e-9) hi = lo + 1e-3;
    m_lo = lo;
    m_hi = hi;
    if (m_spin->value() < m_lo || m_spin->value() > m_hi) { // start at the median
        std::vector<double> all;
        for (const auto& x : m_c)
            if (x.scored) all.push_back(x.cds);
        std::sort(all.begin(), all.end());
        QSignalBlocker b(m_spin);
        m_spin->setValue(all.empty() ? m_lo : quantile_sorted(all, 0.5));
    }
    const QString cur = m_domain->currentText();
    {
        QSignalBlocker b(m_domain);
        m_domain->clear();
        m_domain->addItem(tr("all domains"));
        for (const auto& d : domains)
            m_domain->addItem(QString::fromStdString(d));
        const int i = m_domain->findText(cur);
        m_domain->setCurrentIndex(i >= 0 ? i : 0);
    }
    {
        QSignalBlocker b(m_slider);
        m_slider->setValue(int(std::lround(1000.0 * (m_spin->value() - m_lo) / (m_hi - m_lo))));
    }
    rebuild();
    Q_EMIT thresholdChanged(m_spin->value()); // keep the selection panel in step
}

// The charts are rebuilt only when their shape changes (axis type, the set of series or
// of domains); otherwise their points and ranges are replaced in place: while scoring,
// new results arrive every second, and recreating Qt Charts series and axes each time
// stalled the window for 150-230 ms.
void DistributionView::rebuild() {
    if (!isVisible()) { // drawn when shown
        m_dirty = true;
        return;
    }
    m_dirty = false;
    const QString dom = m_domain->currentIndex() > 0 ? m_domain->currentText() : QString();
    const bool logX = m_logX->isChecked();
    const bool overlay = m_overlay->isChecked() && dom.isEmpty();
    // Bin edges, linear or (CDS spans orders of magnitude) logarithmic over positive CDS.
    constexpr int kBins = 40;
    double lo = m_lo, hi = m_hi;
    if (logX) {
        lo = 1e300;
        for (const auto& x : m_c)
            if (x.scored && x.cds > 0) lo = std::min(lo, x.cds);
        if (lo > hi || hi <= 0) lo = 1e-6, hi = std::max(hi, 1e-5);
        if (hi <= lo) hi = lo * 10;
    }
    auto edge = [&](int b) {
        return logX ? std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * b / kBins)
                    : lo + (hi - lo) * b / kBins;
    };
    auto bin_of = [&](double v) {
        const double f = logX ? (std::log(v) - std::log(lo)) / (std::log(hi) - std::log(lo))
                              : (v - lo) / (hi - lo);
        return std::clamp(int(f * kBins), 0, kBins - 1);
    };
    std::map<std::string, std::vector<double>> per;
    std::map<QString, std::vector<int>> bins; // one histogram, or one per domain
    int n = 0, hidden = 0;
    for (const auto& x : m_c) {
        if (!x.scored) continue;
        per[x.domain].push_back(x.cds);
        const QString d = QString::fromStdString(x.domain);
        if (!dom.isEmpty() && d != dom) continue;
        if (logX && !(x.cds > 0)) { // not on a log axis
            ++hidden;
            continue;
        }
        auto& h = bins[overlay ? d : QString()];
        h.resize(kBins);
        ++h[size_t(bin_of(x.cds))];
        ++n;
    }
    if (logX) { // whole decades, so the axis has labelled ticks even when the data spans less
        lo = std::pow(10.0, std::floor(std::log10(lo)));
        hi = std::pow(10.0, std::ceil(std::log10(hi)));
        if (hi <= lo) hi = lo * 10;
    }
    QStringList names;
    for (const auto& [name, h] : bins)
        names << (name.isEmpty() ? tr("all") : name);
    if (!m_axisX || logX != m_shownLog || names != m_seriesNames) { // a new shape
        m_hist->removeAllSeries();
        for (auto* a : m_hist->axes())
            m_hist->removeAxis(a), delete a;
        if (logX) {
            auto* la = new QLogValueAxis;
            la->setBase(10);
            la->setMinorTickCount(8);
            la->setLabelFormat("%.0e");
            m_axisX = la;
        } else {
            m_axisX = new QValueAxis;
        }
        m_axisX->setTitleText(logX ? tr("CDS (log scale)") : tr("CDS"));
        m_axisY = new QValueAxis;
        m_axisY->setTitleText(tr("samples"));
        m_axisY->setTickType(QValueAxis::TicksDynamic);
        m_axisY->setTickAnchor(0);
        m_axisY->setLabelFormat("%d");
        m_hist->addAxis(m_axisX, Qt::AlignBottom);
        m_hist->addAxis(m_axisY, Qt::AlignLeft);
        m_series.clear();
        for (const auto& name : names) {
            auto* s = new QLineSeries;
            s->setName(name);
            m_hist->addSeries(s);
            s->attachAxis(m_axisX);
            s->attachAxis(m_axisY);
            m_series << s;
        }
        m_thresholdLine = new QLineSeries;
        m_thresholdLine->setName(tr("threshold"));
        m_thresholdLine->setPen(QPen(Qt::red, 2));
        m_hist->addSeries(m_thresholdLine);
        m_thresholdLine->attachAxis(m_axisX);
        m_thresholdLine->attachAxis(m_axisY);
        m_shownLog = logX;
        m_seriesNames = names;
    }
    m_hist->legend()->setVisible(overlay);
    m_axisX->setRange(lo, hi);
    int top = 1, k = 0;
    for (const auto& [name, h] : bins) {
        QList<QPointF> pts;
        pts.reserve(2 * kBins);
        for (int b = 0; b < kBins; ++b) {
            pts << QPointF(edge(b), h[size_t(b)]) << QPointF(edge(b + 1), h[size_t(b)]);
            top = std::max(top, h[size_t(b)]);
        }
        m_series[k++]->replace(pts);
    }
    // Counts are whole samples: integer ticks on a round range.
    const int step = top <= 10    ? 1
                     : top <= 50  ? 5
                     : top <= 100 ? 10
                                  : int(std::pow(10, std::floor(std::log10(top)))) / 2;
    const int ymax = (top / step + 1) * step;
    m_axisY->setRange(0, ymax);
    m_axisY->setTickInterval(std::max(step, ymax / 10 / step * step));
    moveThresholdLine();
    m_hist->setTitle(
        tr("CDS histogram, %1 (%2 samples%3)%4")
            .arg(dom.isEmpty() ? tr("all domains") : dom)
            .arg(n)
            .arg(hidden ? tr(", %1 with CDS <= 0 not on the log axis").arg(hidden) : QString())
            .arg(m_partial ? tr(" - partial, scoring in progress") : QString()));

    // Box plots per domain: new sets only when the domains change.
    QStringList domains;
    for (const auto& [d, v] : per)
        domains << QString::fromStdString(d);
    if (!m_boxSeries || domains != m_boxDomains) {
        m_box->removeAllSeries();
        for (auto* a : m_box->axes())
            m_box->removeAxis(a), delete a;
        m_boxSeries = new QBoxPlotSeries;
        for (const auto& d : domains)
            m_boxSeries->append(new QBoxSet(d));
        m_box->addSeries(m_boxSeries);
        m_box->createDefaultAxes();
        m_box->setTitle(tr("CDS per domain"));
        m_boxDomains = domains;
    }
    double blo = 1e300, bhi = -1e300;
    int i = 0;
    for (auto& [d, v] : per) {
        std::sort(v.begin(), v.end());
        QBoxSet* set = m_boxSeries->boxSets().at(i++);
        set->setValue(QBoxSet::LowerExtreme, v.front());
        set->setValue(QBoxSet::LowerQuartile, quantile_sorted(v, 0.25));
        set->setValue(QBoxSet::Median, quantile_sorted(v, 0.5));
        set->setValue(QBoxSet::UpperQuartile, quantile_sorted(v, 0.75));
        set->setValue(QBoxSet::UpperExtreme, v.back());
        blo = std::min(blo, v.front());
        bhi = std::max(bhi, v.back());
    }
    if (blo <= bhi)
        for (auto* a : m_box->axes(Qt::Vertical))
            a->setRange(blo, bhi > blo ? bhi : blo + 1e-9);
}

void DistributionView::showEvent(QShowEvent* e) {
    QWidget::showEvent(e);
    // after the tab has painted: two short stops of the event loop instead of one long one
    if (m_dirty) QTimer::singleShot(0, this, [this] { rebuild(); });
}

void DistributionView::moveThresholdLine() {
    if (!m_thresholdLine || !m_axisY) return;
    const double t = m_spin->value();
    if (m_logX->isChecked() && !(t > 0)) { // not on a log axis
        m_thresholdLine->clear();
        return;
    }
    m_thresholdLine->replace(QList<QPointF>{{t, 0}, {t, m_axisY->max()}});
}

} // namespace ladm::ui
