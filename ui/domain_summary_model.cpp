#include "ui/domain_summary_model.h"

#include <QFont>
#include <QLocale>

namespace ladm::ui {

void DomainSummaryModel::setResult(const SelectionResult& r, int64_t budget) {
    QVector<Row> rows;
    DomainSummary total;
    for (const auto& [d, s] : r.domains) {
        rows.push_back({QString::fromStdString(d), s});
        total.kept_samples += s.kept_samples;
        total.total_samples += s.total_samples;
        total.kept_tokens += s.kept_tokens;
        total.total_tokens += s.total_tokens;
    }
    rows.push_back({tr("total"), total});
    if (rows.size() == m_rows.size()) {
        m_rows = rows;
        m_budget = budget;
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_rows = rows;
    m_budget = budget;
    endResetModel();
}

int DomainSummaryModel::rowCount(const QModelIndex& p) const {
    return p.isValid() ? 0 : int(m_rows.size());
}
int DomainSummaryModel::columnCount(const QModelIndex& p) const {
    return p.isValid() ? 0 : ColumnCount;
}

QVariant DomainSummaryModel::data(const QModelIndex& idx, int role) const {
    if (!idx.isValid() || idx.row() >= m_rows.size()) return {};
    const Row& r = m_rows[idx.row()];
    const bool total = idx.row() == m_rows.size() - 1;
    if (role == Qt::DisplayRole) {
        const QLocale loc;
        switch (idx.column()) {
        case Domain:
            return r.domain;
        case KeptSamples:
            return loc.toString(qlonglong(r.s.kept_samples));
        case TotalSamples:
            return loc.toString(qlonglong(r.s.total_samples));
        case KeptTokens:
            return loc.toString(qlonglong(r.s.kept_tokens));
        case TotalTokens:
            return loc.toString(qlonglong(r.s.total_tokens));
        }
    }
    if (role == Qt::FontRole && total) {
        QFont f;
        f.setBold(true);
        return f;
    }
    if (role == Qt::ToolTipRole && total && idx.column() == KeptTokens)
        return tr("budget %1 tokens").arg(QLocale().toString(qlonglong(m_budget)));
    if (role == Qt::TextAlignmentRole && idx.column() != Domain)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant DomainSummaryModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Domain:
        return tr("domain");
    case KeptSamples:
        return tr("kept");
    case TotalSamples:
        return tr("samples");
    case KeptTokens:
        return tr("kept tokens");
    case TotalTokens:
        return tr("tokens");
    }
    return {};
}

} // namespace ladm::ui
