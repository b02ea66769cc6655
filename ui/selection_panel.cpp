#include "ui/selection_panel.h"

#include <cmath>

#include "ui/domain_summary_model.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

#include <map>

namespace ladm::ui {

SelectionPanel::SelectionPanel(QWidget* parent)
    : QWidget(parent) {
    m_mode = new QComboBox;
    m_mode->addItem(tr("reference (authors' budget loop)"), "reference");
    m_mode->addItem(tr("budget, exact"), "budget-exact");
    m_mode->addItem(tr("threshold"), "threshold");
    m_mode->addItem(tr("top fraction"), "top");
    m_budget = new QLineEdit("1B");
    m_budget->setToolTip(tr("tokens: 500M, 1B, 2.5B, 1073741824"));
    m_threshold = new QDoubleSpinBox;
    m_threshold->setDecimals(6);
    m_threshold->setRange(-1e9, 1e9);
    m_threshold->setSingleStep(0.001);
    m_top = new QDoubleSpinBox;
    m_top->setRange(0, 1);
    m_top->setSingleStep(0.05);
    m_top->setValue(0.25);
    m_domainThresholds = new QTableWidget(0, 2);
    m_domainThresholds->setHorizontalHeaderLabels({tr("domain"), tr("threshold (empty: global)")});
    m_domainThresholds->horizontalHeader()->setStretchLastSection(true);
    m_domainThresholds->verticalHeader()->hide();
    m_domainThresholds->setMaximumHeight(120);
    m_result = new QLabel;
    m_result->setWordWrap(true);
    m_summary = new DomainSummaryModel(this);
    m_table = new QTableView;
    m_table->setModel(m_summary);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->verticalHeader()->hide();
    m_review = new QComboBox;
    m_review->addItem(tr("borderline (nearest the cut)"), "borderline");
    m_review->addItem(tr("kept"), "kept");
    m_review->addItem(tr("dropped"), "dropped");
    m_queueLabel = new QLabel;
    m_queue = new QTableWidget(0, 5);
    m_queue->setHorizontalHeaderLabels({tr("id"), tr("domain"), tr("CDS"), tr("cut"), tr("now")});
    m_queue->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_queue->horizontalHeader()->setStretchLastSection(true);
    m_queue->verticalHeader()->setDefaultSectionSize(20);
    m_queue->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_queue->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_queue->setSelectionMode(QAbstractItemView::SingleSelection);
    connect(m_queue, &QTableWidget::cellClicked, this, [this](int row, int) {
        if (auto* it = m_queue->item(row, 0))
            Q_EMIT queueRowActivated(row, it->data(Qt::UserRole).toLongLong());
    });
    auto* prev = new QPushButton(tr("&Previous (P)"));
    auto* next = new QPushButton(tr("&Next (N)"));

    auto* form = new QFormLayout;
    form->addRow(tr("mode"), m_mode);
    form->addRow(tr("token budget"), m_budget);
    form->addRow(tr("CDS threshold"), m_threshold);
    form->addRow(tr("per domain"), m_domainThresholds);
    form->addRow(tr("top fraction"), m_top);
    auto* review = new QHBoxLayout;
    review->addWidget(new QLabel(tr("review:")));
    review->addWidget(m_review);
    review->addWidget(prev);
    review->addWidget(next);
    auto* keys = new QLabel(
        tr("keys: N / P step, K keep, R reject, C clear (Shift+K / Shift+R ask for a note)"));
    keys->setWordWrap(true);
    auto* lay = new QVBoxLayout(this);
    lay->addLayout(form);
    lay->addWidget(m_result);
    lay->addWidget(m_table, 1);
    lay->addLayout(review);
    lay->addWidget(m_queueLabel);
    lay->addWidget(m_queue, 2);
    lay->addWidget(keys);

    auto changed = [this] {
        const QString m = m_mode->currentData().toString();
        m_budget->setEnabled(m == "reference" || m == "budget-exact");
        m_threshold->setEnabled(m == "threshold");
        m_domainThresholds->setEnabled(m == "threshold");
        m_top->setEnabled(m == "top");
        Q_EMIT recipeChanged();
    };
    connect(m_mode, &QComboBox::currentIndexChanged, this, changed);
    connect(m_budget, &QLineEdit::textChanged, this, changed);
    connect(m_threshold, &QDoubleSpinBox::valueChanged, this, changed);
    connect(m_top, &QDoubleSpinBox::valueChanged, this, changed);
    connect(m_domainThresholds, &QTableWidget::itemChanged, this, changed);
    connect(prev, &QPushButton::clicked, this, [this] { Q_EMIT reviewStep(-1); });
    connect(next, &QPushButton::clicked, this, [this] { Q_EMIT reviewStep(+1); });
    connect(m_review, &QComboBox::currentIndexChanged, this, &SelectionPanel::reviewListChanged);
    changed();
}

bool SelectionPanel::recipe(SelectionRecipe* r, QString* error) const {
    r->mode = *parse_select_mode(m_mode->currentData().toString().toStdString());
    if (!parse_token_count(m_budget->text().trimmed().toStdString(), &r->budget)) {
        *error = tr("'%1' is not a token count (try 500M or 1B)").arg(m_budget->text());
        return false;
    }
    r->threshold = m_threshold->value();
    r->domain_thresholds.clear();
    for (int i = 0; i < m_domainThresholds->rowCount(); ++i) {
        const auto* v = m_domainThresholds->item(i, 1);
        if (!v || v->text().trimmed().isEmpty()) continue;
        bool ok = false;
        const double t = v->text().toDouble(&ok);
        if (!ok) {
            *error =
                tr("threshold for %1 is not a number").arg(m_domainThresholds->item(i, 0)->text());
            return false;
        }
        r->domain_thresholds[m_domainThresholds->item(i, 0)->text().toStdString()] = t;
    }
    r->top_fraction = m_top->value();
    return true;
}

void SelectionPanel::setThreshold(double t) {
    QSignalBlocker b(m_threshold);
    m_threshold->setValue(t);
    if (m_mode->currentData().toString() == "threshold") Q_EMIT recipeChanged();
}

void SelectionPanel::showResult(const SelectionResult& r, int64_t budget, bool partial) {
    const QLocale loc;
    if (!r.error.empty()) {
        m_result->setText(QString::fromStdString(r.error));
        return;
    }
    QString text = tr("keeps %1 samples, %2 of %3 tokens")
                       .arg(r.kept.size())
                       .arg(loc.toString(qlonglong(r.kept_tokens)))
                       .arg(loc.toString(qlonglong(r.total_tokens)));
    const QString m = m_mode->currentData().toString();
    if (m == "reference" || m == "budget-exact")
        text +=
            tr(" (budget %1, stopped at %2%)").arg(loc.toString(qlonglong(budget))).arg(r.percent);
    if (partial) text += tr(" - partial: scoring in progress");
    m_result->setText(text);
    m_summary->setResult(r, budget);
}

QString SelectionPanel::reviewList() const {
    return m_review->currentData().toString();
}

} // namespace ladm::ui

namespace ladm::ui {

void SelectionPanel::setMode(const QString& mode) {
    m_mode->setCurrentIndex(std::max(0, m_mode->findData(mode)));
}

void SelectionPanel::setBudgetText(const QString& text) {
    m_budget->setText(text);
}

} // namespace ladm::ui

namespace ladm::ui {

void SelectionPanel::setDomains(const QStringList& domains) {
    QStringList have;
    for (int i = 0; i < m_domainThresholds->rowCount(); ++i)
        have << m_domainThresholds->item(i, 0)->text();
    if (have == domains) return;
    QSignalBlocker b(m_domainThresholds);
    std::map<QString, QString> old;
    for (int i = 0; i < m_domainThresholds->rowCount(); ++i)
        if (auto* v = m_domainThresholds->item(i, 1))
            old[m_domainThresholds->item(i, 0)->text()] = v->text();
    m_domainThresholds->setRowCount(int(domains.size()));
    for (int i = 0; i < domains.size(); ++i) {
        auto* name = new QTableWidgetItem(domains[i]);
        name->setFlags(name->flags() & ~Qt::ItemIsEditable);
        m_domainThresholds->setItem(i, 0, name);
        m_domainThresholds->setItem(i, 1, new QTableWidgetItem(old[domains[i]]));
    }
}

void SelectionPanel::showQueue(const QVector<ReviewQueueRow>& rows, qint64 total) {
    m_queue->setRowCount(int(rows.size()));
    auto num = [](double v) { return std::isnan(v) ? QString("-") : QString::number(v, 'g', 4); };
    for (int i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        auto* id = new QTableWidgetItem(r.key);
        id->setData(Qt::UserRole, r.sampleId);
        m_queue->setItem(i, 0, id);
        m_queue->setItem(i, 1, new QTableWidgetItem(r.domain));
        m_queue->setItem(i, 2, new QTableWidgetItem(num(r.cds)));
        m_queue->setItem(i, 3, new QTableWidgetItem(num(r.cut)));
        auto* now = new QTableWidgetItem(r.kept ? tr("kept") : tr("dropped"));
        now->setForeground(r.kept ? QColor(0, 120, 0) : QColor(160, 0, 0));
        m_queue->setItem(i, 4, now);
    }
    m_queueLabel->setText(total > rows.size()
                              ? tr("review queue: the first %1 of %2").arg(rows.size()).arg(total)
                              : tr("review queue: %1 samples").arg(total));
}

void SelectionPanel::setQueuePosition(int pos) {
    if (pos >= 0 && pos < m_queue->rowCount()) m_queue->selectRow(pos);
}

} // namespace ladm::ui
