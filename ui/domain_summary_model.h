// Per-domain kept / total samples and tokens of the current selection (plus a total row).
#pragma once

#include "core/curate/selection.h"

#include <QAbstractTableModel>
#include <QVector>

namespace ladm::ui {

class DomainSummaryModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column { Domain, KeptSamples, TotalSamples, KeptTokens, TotalTokens, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;
    void setResult(const SelectionResult& r, int64_t budget);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation o, int role) const override;

  private:
    struct Row {
        QString domain;
        DomainSummary s;
    };
    QVector<Row> m_rows;
    int64_t m_budget = 0;
};

} // namespace ladm::ui
