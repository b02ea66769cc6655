#include "ui/agreement_view.h"

#include "core/store/run_params.h"
#include "core/text/surface.h"

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLogValueAxis>
#include <QPushButton>
#include <QScatterSeries>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QtConcurrent>

#include <algorithm>
#include <cmath>
#include <map>

namespace ladm::ui {

struct AgreementData {
    int generation = 0;
    QString error;
    QStringList scores; // the run's selectable scores
    QString a, b;
    std::map<QString, QVector<QPointF>> points; // per domain (at most kMaxPoints in all)
    bool positive_x = true, positive_y = true;  // every plotted value > 0: a log axis fits
    std::vector<Agreement> agreement;
    std::vector<Disagreement> disagreements;
    std::vector<Confound> confounds;
    std::vector<std::string> features;
    int64_t rows = 0;
};

namespace {
constexpr size_t kMaxPoints = 20000; // a scatter of more says no more and repaints slowly
constexpr size_t kDisagreements = 50;

AgreementData compute(const QString& path, qint64 run, QString a, QString b, int generation) {
    AgreementData d;
    d.generation = generation;
    std::string err;
    auto cache = Cache::open(path.toStdString(), &err);
    if (!cache) {
        d.error = QString::fromStdString(err);
        return d;
    }
    auto rows = cache->results(run, /*corpus_order=*/false);
    d.rows = int64_t(rows.size());
    const std::vector<std::string> names = present_scores(&rows, run_scores(*cache, run));
    for (const auto& n : names)
        d.scores << QString::fromStdString(n);
    if (names.empty()) return d; // no results yet
    d.confounds = confounds(rows, names);
    d.features = confound_features(rows);
    if (d.scores.size() < 2) return d;
    if (!d.scores.contains(a)) a = d.scores[0];
    if (!d.scores.contains(b) || b == a) b = d.scores[a == d.scores[1] ? 0 : 1];
    d.a = a, d.b = b;
    const std::string sa = a.toStdString(), sb = b.toStdString();
    d.agreement = score_agreement(rows, sa, sb);
    d.disagreements = disagreements(rows, sa, sb, kDisagreements);
    size_t have = 0;
    for (const auto& r : rows)
        have += r.status == "ok" && std::isfinite(r.score(sa)) && std::isfinite(r.score(sb));
    const size_t step = std::max<size_t>(1, (have + kMaxPoints - 1) / kMaxPoints);
    size_t k = 0;
    for (const auto& r : rows) {
        const double x = r.status == "ok" ? r.score(sa) : NAN,
                     y = r.status == "ok" ? r.score(sb) : NAN;
        if (!std::isfinite(x) || !std::isfinite(y) || k++ % step) continue;
        d.points[QString::fromStdString(r.domain)].push_back({x, y});
        d.positive_x = d.positive_x && x > 0;
        d.positive_y = d.positive_y && y > 0;
    }
    return d;
}

QTableWidgetItem* cell(const QString& text, bool right = false) {
    auto* it = new QTableWidgetItem(text);
    it->setFlags(it->flags() & ~Qt::ItemIsEditable);
    if (right) it->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return it;
}
QString num(double v, int prec = 3) {
    return std::isfinite(v) ? QString::number(v, 'f', prec) : QStringLiteral("-");
}
QTableWidget* table(const QStringList& headers) {
    auto* t = new QTableWidget(0, int(headers.size()));
    t->setHorizontalHeaderLabels(headers);
    t->verticalHeader()->hide();
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    return t;
}
// While a table is filled its columns are not sized to their contents (with
// ResizeToContents every setItem measured the whole column again: 250-1000 ms for the
// confound table of a four-scorer run); once at the end they are.
struct Filling {
    std::vector<QTableWidget*> tables;
    explicit Filling(std::vector<QTableWidget*> t)
        : tables(std::move(t)) {
        for (auto* x : tables)
            x->setUpdatesEnabled(false);
    }
    ~Filling() {
        for (auto* x : tables) {
            x->resizeColumnsToContents();
            x->setUpdatesEnabled(true);
        }
    }
};
} // namespace

AgreementView::AgreementView(QWidget* parent)
    : QWidget(parent) {
    m_a = new QComboBox;
    m_b = new QComboBox;
    m_log = new QCheckBox(tr("l&og axes"));
    m_log->setChecked(true);
    for (auto* c : {m_a, m_b})
        connect(c, &QComboBox::activated, this, [this] {
            m_wantA = m_a->currentText();
            m_wantB = m_b->currentText();
            reload();
        });
    connect(m_log, &QCheckBox::toggled, this, [this] {
        if (m_data) show(*m_data);
    });
    m_chart = new QChart;
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    auto* view = new QChartView(m_chart);
    view->setMinimumHeight(220);
    m_note = new QLabel;
    m_note->setWordWrap(true);
    m_stats = table({tr("domain"), tr("pairs"), tr("Spearman"), tr("Kendall")});
    m_dis =
        table({tr("id"), tr("domain"), tr("score A"), tr("score B"), tr("rank A"), tr("rank B")});
    m_conf = table({tr("score"), tr("domain")});
    m_review = new QPushButton(tr("&Review these"));
    m_review->setToolTip(tr("make these samples the review queue (N / P step through them)"));
    connect(m_dis, &QTableWidget::cellClicked, this, [this](int row, int) {
        if (m_data && row >= 0 && size_t(row) < m_data->disagreements.size())
            Q_EMIT sampleActivated(m_data->disagreements[size_t(row)].sample_id);
    });
    connect(m_review, &QPushButton::clicked, this, [this] {
        if (!m_data) return;
        QVector<qint64> ids;
        for (const auto& d : m_data->disagreements)
            ids << d.sample_id;
        if (!ids.isEmpty()) Q_EMIT reviewRequested(ids);
    });

    auto* controls = new QHBoxLayout;
    auto* la = new QLabel(tr("score &A:"));
    la->setBuddy(m_a); // Alt+A / Alt+B, then the arrow keys, Home, End
    auto* lb = new QLabel(tr("score &B:"));
    lb->setBuddy(m_b);
    controls->addWidget(la);
    controls->addWidget(m_a);
    controls->addWidget(lb);
    controls->addWidget(m_b);
    controls->addWidget(m_log);
    controls->addStretch(1);
    auto* top = new QWidget;
    auto* tl = new QVBoxLayout(top);
    tl->setContentsMargins(0, 0, 0, 0);
    tl->addLayout(controls);
    tl->addWidget(m_note);
    auto* upper = new QSplitter(Qt::Horizontal);
    upper->addWidget(view);
    upper->addWidget(m_stats);
    upper->setStretchFactor(0, 4);
    upper->setStretchFactor(1, 1);
    tl->addWidget(upper, 1);
    auto* disBox = new QWidget;
    auto* dl = new QVBoxLayout(disBox);
    dl->setContentsMargins(0, 0, 0, 0);
    auto* dh = new QHBoxLayout;
    dh->addWidget(new QLabel(tr("Ranked most differently (high on one, low on the other):")));
    dh->addStretch(1);
    dh->addWidget(m_review);
    dl->addLayout(dh);
    dl->addWidget(m_dis);
    auto* confBox = new QWidget;
    auto* cl = new QVBoxLayout(confBox);
    cl->setContentsMargins(0, 0, 0, 0);
    cl->addWidget(new QLabel(tr("Confound check: Spearman of each score against surface "
                                "features (! = |rho| \u2265 0.5 within a domain)")));
    cl->addWidget(m_conf);
    auto* lower = new QSplitter(Qt::Horizontal);
    lower->addWidget(disBox);
    lower->addWidget(confBox);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(top);
    split->addWidget(lower);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* l = new QVBoxLayout(this);
    l->setContentsMargins(0, 0, 0, 0);
    l->addWidget(split);
}

AgreementView::~AgreementView() = default;

void AgreementView::setSource(const QString& cachePath, qint64 run) {
    const bool changed = cachePath != m_path || run != m_run;
    m_path = cachePath;
    m_run = run;
    if (changed) {
        ++m_generation; // a computation for the old source is dropped
        m_data.reset();
    }
    m_stale = true;
    if (isVisible()) reload();
}

void AgreementView::refresh() {
    m_stale = true;
    if (isVisible() && !m_loading) reload();
}

void AgreementView::showEvent(QShowEvent* e) {
    QWidget::showEvent(e);
    if (m_stale && !m_loading) reload();
}

void AgreementView::setScores(const QString& a, const QString& b) {
    m_wantA = a;
    m_wantB = b;
    reload();
}

QStringList AgreementView::scores() const {
    return m_data ? m_data->scores : QStringList{};
}
const std::vector<Agreement>& AgreementView::agreement() const {
    static const std::vector<Agreement> none;
    return m_data ? m_data->agreement : none;
}
const std::vector<Confound>& AgreementView::confoundRows() const {
    static const std::vector<Confound> none;
    return m_data ? m_data->confounds : none;
}
const std::vector<Disagreement>& AgreementView::disagreementRows() const {
    static const std::vector<Disagreement> none;
    return m_data ? m_data->disagreements : none;
}

void AgreementView::reload() {
    if (m_path.isEmpty() || m_run <= 0) return;
    if (m_loading) { // one computation at a time; the latest wish runs next
        m_stale = true;
        return;
    }
    m_loading = true;
    m_stale = false;
    const int gen = ++m_generation;
    auto* w = new QFutureWatcher<AgreementData>(this);
    connect(w, &QFutureWatcher<AgreementData>::finished, this, [this, w] {
        AgreementData d = w->result();
        w->deleteLater();
        m_loading = false;
        if (d.generation == m_generation) {
            m_data = std::make_unique<AgreementData>(std::move(d));
            show(*m_data);
        }
        if (m_stale && isVisible()) reload();
    });
    w->setFuture(QtConcurrent::run(compute, m_path, m_run, m_wantA, m_wantB, gen));
}

void AgreementView::show(const AgreementData& d) {
    for (auto* c : {m_a, m_b}) {
        QSignalBlocker blk(c);
        c->clear();
        c->addItems(d.scores);
    }
    // what these numbers are of; but while a newer pick is being computed, that pick
    m_a->setCurrentText(m_stale && d.scores.contains(m_wantA) ? m_wantA : d.a);
    m_b->setCurrentText(m_stale && d.scores.contains(m_wantB) ? m_wantB : d.b);
    if (!d.error.isEmpty())
        m_note->setText(d.error);
    else if (d.scores.size() < 2)
        m_note->setText(tr("This run has one score (%1). Score with more scorers to compare them: "
                           "ladm-studio --scorers cds,longattn,lexical, or ladm score --scorers.")
                            .arg(d.scores.value(0)));
    else
        m_note->setText(tr("%1 vs %2 over %3 results; points sampled to at most %4.")
                            .arg(d.a, d.b)
                            .arg(d.rows)
                            .arg(kMaxPoints));

    // scatter: one series per domain, log axes when asked and possible
    m_chart->removeAllSeries();
    for (auto* ax : m_chart->axes())
        m_chart->removeAxis(ax);
    // each axis on a log scale when asked and all its values are positive
    const bool logx = m_log->isChecked() && d.positive_x, logy = m_log->isChecked() && d.positive_y;
    auto make_axis = [](bool log) -> QAbstractAxis* {
        if (log) {
            auto* a = new QLogValueAxis;
            a->setLabelFormat("%.0e");
            return a;
        }
        auto* a = new QValueAxis;
        a->setLabelFormat("%.2g");
        return a;
    };
    QAbstractAxis* ax = make_axis(logx);
    QAbstractAxis* ay = make_axis(logy);
    ax->setTitleText(d.a);
    ay->setTitleText(d.b);
    m_chart->addAxis(ax, Qt::AlignBottom);
    m_chart->addAxis(ay, Qt::AlignLeft);
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (const auto& [domain, pts] : d.points) {
        auto* s = new QScatterSeries;
        s->setName(domain);
        s->setMarkerSize(6);
        s->setBorderColor(Qt::transparent);
        s->replace(pts);
        for (const auto& p : pts)
            x0 = std::min(x0, p.x()), x1 = std::max(x1, p.x()), y0 = std::min(y0, p.y()),
            y1 = std::max(y1, p.y());
        m_chart->addSeries(s);
        s->attachAxis(ax);
        s->attachAxis(ay);
    }
    if (std::isfinite(x0)) {
        auto pad = [](bool log, double lo, double hi, double* a, double* b) {
            if (log) {
                *a = std::pow(10, std::floor(std::log10(lo)));
                *b = std::pow(10, std::ceil(std::log10(hi)));
            } else {
                const double m = hi > lo ? 0.05 * (hi - lo) : 1;
                *a = lo - m, *b = hi + m;
            }
        };
        double a0, a1, b0, b1;
        pad(logx, x0, x1, &a0, &a1);
        pad(logy, y0, y1, &b0, &b1);
        ax->setRange(a0, a1);
        ay->setRange(b0, b1);
    }
    m_chart->setTitle(tr("%1 vs %2").arg(d.a, d.b));

    {
        const Filling filling({m_stats, m_dis, m_conf});
        m_stats->setRowCount(int(d.agreement.size()));
        for (size_t i = 0; i < d.agreement.size(); ++i) {
            const auto& g = d.agreement[i];
            m_stats->setItem(int(i), 0, cell(QString::fromStdString(g.domain)));
            m_stats->setItem(int(i), 1, cell(QString::number(g.pairs), true));
            m_stats->setItem(int(i), 2, cell(num(g.spearman), true));
            m_stats->setItem(int(i), 3, cell(num(g.kendall), true));
        }
        m_dis->setHorizontalHeaderLabels(
            {tr("id"), tr("domain"), d.a, d.b, tr("rank %1").arg(d.a), tr("rank %1").arg(d.b)});
        m_dis->setRowCount(int(d.disagreements.size()));
        for (size_t i = 0; i < d.disagreements.size(); ++i) {
            const auto& x = d.disagreements[i];
            m_dis->setItem(int(i), 0, cell(QString::fromStdString(x.key)));
            m_dis->setItem(int(i), 1, cell(QString::fromStdString(x.domain)));
            m_dis->setItem(int(i), 2, cell(QString::number(x.a, 'g', 4), true));
            m_dis->setItem(int(i), 3, cell(QString::number(x.b, 'g', 4), true));
            m_dis->setItem(int(i), 4, cell(num(x.rank_a, 2), true));
            m_dis->setItem(int(i), 5, cell(num(x.rank_b, 2), true));
        }
        m_review->setEnabled(!d.disagreements.empty());

        // confounds: a row per (score, domain), a column per feature
        QStringList heads{tr("score"), tr("domain")};
        for (const auto& f : d.features)
            heads << QString::fromStdString(feature_label(f));
        m_conf->setColumnCount(int(heads.size()));
        m_conf->setHorizontalHeaderLabels(heads);
        std::map<std::pair<std::string, std::string>, int> rowOf;
        std::vector<std::pair<std::string, std::string>> order;
        for (const auto& c : d.confounds)
            if (rowOf.emplace(std::make_pair(c.score, c.domain), int(order.size())).second)
                order.emplace_back(c.score, c.domain);
        m_conf->setRowCount(int(order.size()));
        for (size_t r = 0; r < order.size(); ++r) {
            m_conf->setItem(int(r), 0, cell(QString::fromStdString(order[r].first)));
            m_conf->setItem(int(r), 1, cell(QString::fromStdString(order[r].second)));
        }
        for (const auto& c : d.confounds) {
            const int col = 2 + int(std::find(d.features.begin(), d.features.end(), c.feature) -
                                    d.features.begin());
            auto* it = cell(num(c.rho, 2) + (c.warn ? QStringLiteral(" !") : QString()), true);
            if (c.warn) {
                it->setBackground(QColor(255, 214, 153));
                it->setToolTip(tr("%1 follows %2 in %3 (Spearman %4 over %5 samples)")
                                   .arg(QString::fromStdString(c.score),
                                        QString::fromStdString(feature_label(c.feature)),
                                        QString::fromStdString(c.domain), num(c.rho, 2))
                                   .arg(c.pairs));
            }
            m_conf->setItem(rowOf[{c.score, c.domain}], col, it);
        }
    }
    Q_EMIT updated();
}

} // namespace ladm::ui
