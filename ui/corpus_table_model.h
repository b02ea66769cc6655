// The corpus table: one row per indexed sample (scored in the run or pending), read from the
// cache's query API page by page (fetchMore), so a million rows cost only what is on screen.
// The model keeps value snapshots; it holds no SQL, and views never touch the cache.
#pragma once

#include <QAbstractTableModel>
#include <QMap>
#include <QString>
#include <QVector>

#include <memory>
#include <optional>

namespace ladm {
class Cache;
}

namespace ladm::ui {

struct RowData {
    qint64 sampleId = 0;
    QString key, domain, status, decision; // status "pending" until the run scores it
    qint64 tokens = 0, chars = 0;
    double cds = 0; // NaN without a score
};

struct TableFilter {
    QString domain; // empty = all
    QString status; // empty = all; "pending" = not scored in the run yet
    std::optional<double> minCds, maxCds;
    QString search; // substring of the id
};

class CorpusTableModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column { Id, Domain, Tokens, Cds, Status, Decision, ColumnCount };
    static constexpr int kPage = 500;

    explicit CorpusTableModel(QObject* parent = nullptr);
    ~CorpusTableModel() override;

    // Opens (its own connection to) the cache and shows `run`. false + error on failure.
    bool open(const QString& cachePath, qint64 run, QString* error);
    void setFilter(const TableFilter& f);
    // Re-reads the row count and the loaded pages (after new results or overrides).
    void refresh();
    qint64 run() const { return m_run; }
    qint64 totalRows() const { return m_total; }
    const RowData* rowData(int row) const;
    int rowOfSample(qint64 sampleId) const; // -1 if not loaded

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation o, int role) const override;
    void sort(int column, Qt::SortOrder order) override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

    // Samples per status in the run (pending included), as last counted.
    const QMap<QString, qint64>& statusCounts() const { return m_statusCounts; }

  Q_SIGNALS:
    void totalRowsChanged(qint64 total);
    void statusCountsChanged(const QMap<QString, qint64>& counts);

  private:
    // The exact row count and the counts per status, in the background (a filtered count
    // over millions of rows takes ~1 s); paging works meanwhile.
    void updateTotal();
    QVector<RowData> query(int offset, int limit) const;

    std::unique_ptr<Cache> m_cache;
    qint64 m_run = 0, m_total = 0;
    QVector<RowData> m_rows;
    TableFilter m_filter;
    bool m_changing = false;  // inside a reset/insert: no nested fetchMore
    bool m_exhausted = false; // the last page came back short
    int m_countGeneration = 0;
    QString m_path;
    QMap<QString, qint64> m_statusCounts;
    int m_sortColumn = Id;
    Qt::SortOrder m_order = Qt::AscendingOrder;
};

} // namespace ladm::ui
