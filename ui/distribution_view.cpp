#include "ui/distribution_view.h"

#include "core/curate/recipe.h"

#include <QBarCategoryAxis>
#include <QBoxPlotSeries>
#include <QBoxSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QSlider>
#include <QSplitter>
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
    hv->setRenderHint(QPainter::Antialiasing);
    m_domain = new QComboBox;
    m_slider = new QSlider(Qt::Horizontal);
    m_slider->setRange(0, 1000);
    m_spin = new QDoubleSpinBox;
    m_spin->setDecimals(6);
    m_spin->setSingleStep(0.001);
    m_spin->setRange(-1e9, 1e9);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("domain:")));
    controls->addWidget(m_domain);
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

void DistributionView::rebuild() {
    m_hist->removeAllSeries();
    for (auto* a : m_hist->axes())
        m_hist->removeAxis(a), delete a;
    m_box->removeAllSeries();
    for (auto* a : m_box->axes())
        m_box->removeAxis(a), delete a;
    m_thresholdLine = nullptr;

    const QString dom = m_domain->currentIndex() > 0 ? m_domain->currentText() : QString();
    constexpr int kBins = 40;
    std::vector<int> bins(kBins, 0);
    std::map<std::string, std::vector<double>> per;
    int n = 0;
    for (const auto& x : m_c) {
        if (!x.scored) continue;
        per[x.domain].push_back(x.cds);
        if (!dom.isEmpty() && QString::fromStdString(x.domain) != dom) continue;
        const int b = std::clamp(int((x.cds - m_lo) / (m_hi - m_lo) * kBins), 0, kBins - 1);
        ++bins[size_t(b)];
        ++n;
    }
    auto* s = new QLineSeries;
    const double w = (m_hi - m_lo) / kBins;
    int top = 1;
    for (int b = 0; b < kBins; ++b) {
        s->append(m_lo + b * w, bins[size_t(b)]);
        s->append(m_lo + (b + 1) * w, bins[size_t(b)]);
        top = std::max(top, bins[size_t(b)]);
    }
    m_hist->addSeries(s);
    m_axisX = new QValueAxis;
    m_axisX->setRange(m_lo, m_hi);
    m_axisX->setTitleText(tr("CDS"));
    m_axisY = new QValueAxis;
    m_axisY->setRange(0, top * 1.1);
    m_axisY->setTitleText(tr("samples"));
    m_hist->addAxis(m_axisX, Qt::AlignBottom);
    m_hist->addAxis(m_axisY, Qt::AlignLeft);
    s->attachAxis(m_axisX);
    s->attachAxis(m_axisY);
    m_thresholdLine = new QLineSeries;
    m_thresholdLine->setPen(QPen(Qt::red, 2));
    m_hist->addSeries(m_thresholdLine);
    m_thresholdLine->attachAxis(m_axisX);
    m_thresholdLine->attachAxis(m_axisY);
    moveThresholdLine();
    m_hist->setTitle(tr("CDS histogram, %1 (%2 samples)%3")
                         .arg(dom.isEmpty() ? tr("all domains") : dom)
                         .arg(n)
                         .arg(m_partial ? tr(" - partial, scoring in progress") : QString()));

    auto* box = new QBoxPlotSeries;
    QStringList names;
    for (auto& [d, v] : per) {
        std::sort(v.begin(), v.end());
        auto* set = new QBoxSet(QString::fromStdString(d));
        set->setValue(QBoxSet::LowerExtreme, v.front());
        set->setValue(QBoxSet::LowerQuartile, quantile_sorted(v, 0.25));
        set->setValue(QBoxSet::Median, quantile_sorted(v, 0.5));
        set->setValue(QBoxSet::UpperQuartile, quantile_sorted(v, 0.75));
        set->setValue(QBoxSet::UpperExtreme, v.back());
        box->append(set);
        names << QString::fromStdString(d);
    }
    m_box->addSeries(box);
    m_box->createDefaultAxes();
    m_box->setTitle(tr("CDS per domain"));
}

void DistributionView::moveThresholdLine() {
    if (!m_thresholdLine || !m_axisY) return;
    const double t = m_spin->value();
    m_thresholdLine->replace(QList<QPointF>{{t, 0}, {t, m_axisY->max()}});
}

} // namespace ladm::ui
