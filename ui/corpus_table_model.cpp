#include "ui/corpus_table_model.h"

#include "core/store/cache.h"

#include <QColor>
#include <QFont>
#include <QFutureWatcher>
#include <QtConcurrent>

#include <cmath>

namespace ladm::ui {

namespace {
SampleSort sort_of(int column) {
    switch (column) {
    case CorpusTableModel::Domain:
        return SampleSort::Domain;
    case CorpusTableModel::Tokens:
        return SampleSort::Tokens;
    case CorpusTableModel::Cds:
        return SampleSort::Cds;
    case CorpusTableModel::Status:
        return SampleSort::Status;
    case CorpusTableModel::Decision:
        return SampleSort::Decision;
    default:
        return SampleSort::Corpus;
    }
}

SampleFilter filter_of(const TableFilter& f) {
    SampleFilter o;
    o.domain = f.domain.toStdString();
    o.status = f.status.toStdString();
    o.min_cds = f.minCds;
    o.max_cds = f.maxCds;
    o.search = f.search.toStdString();
    return o;
}

struct Counts {
    qint64 total = -1;
    QMap<QString, qint64> statuses;
};
} // namespace

CorpusTableModel::CorpusTableModel(QObject* parent)
    : QAbstractTableModel(parent) {}
CorpusTableModel::~CorpusTableModel() = default;

bool CorpusTableModel::open(const QString& cachePath, qint64 run, QString* error) {
    std::string err;
    auto cache = Cache::open(cachePath.toStdString(), &err);
    if (!cache) {
        if (error) *error = QString::fromStdString(err);
        return false;
    }
    m_changing = true;
    beginResetModel();
    m_cache = std::move(cache);
    m_path = cachePath;
    m_run = run;
    m_rows.clear();
    m_exhausted = false;
    m_rows = query(0, kPage);
    m_total = m_rows.size();
    updateTotal();
    endResetModel();
    m_changing = false;
    return true;
}

void CorpusTableModel::updateTotal() {
    const int gen = ++m_countGeneration;
    const SampleFilter filter = filter_of(m_filter);
    const std::string path = m_path.toStdString();
    const qint64 run = m_run;
    // Without filters on the sample or the score the count reads only indexes: at once.
    const bool cheap =
        filter.domain.empty() && filter.search.empty() && !filter.min_cds && !filter.max_cds;
    if (cheap && m_cache) {
        m_total = m_cache->count_samples(run, filter);
        Q_EMIT totalRowsChanged(m_total);
    }
    auto* w = new QFutureWatcher<Counts>(this);
    connect(w, &QFutureWatcher<Counts>::finished, this, [this, w, gen] {
        const Counts c = w->result();
        w->deleteLater();
        if (gen != m_countGeneration || c.total < 0) return;
        m_total = c.total;
        m_statusCounts = c.statuses;
        Q_EMIT totalRowsChanged(c.total);
        Q_EMIT statusCountsChanged(c.statuses);
    });
    w->setFuture(QtConcurrent::run([filter, path, run, cheap, known = m_total] {
        Counts c;
        std::string err;
        auto cache = Cache::open(path, &err); // one connection per thread
        if (!cache) return c;
        c.total = cheap ? known : cache->count_samples(run, filter); // counted above if cheap
        for (const auto& [status, n] : cache->status_counts(run))
            c.statuses[QString::fromStdString(status)] = n;
        return c;
    }));
}

QVector<RowData> CorpusTableModel::query(int offset, int limit) const {
    QVector<RowData> out;
    if (!m_cache) return out;
    SampleQuery q;
    q.filter = filter_of(m_filter);
    q.sort = sort_of(m_sortColumn);
    q.descending = m_order == Qt::DescendingOrder;
    for (const auto& r : m_cache->sample_rows(m_run, q, offset, limit))
        out.push_back({r.sample_id, QString::fromStdString(r.key), QString::fromStdString(r.domain),
                       QString::fromStdString(r.status), QString::fromStdString(r.decision),
                       r.tokens, r.chars, r.cds});
    return out;
}

void CorpusTableModel::setFilter(const TableFilter& f) {
    m_changing = true;
    beginResetModel();
    m_filter = f;
    m_exhausted = false;
    m_rows = query(0, kPage);
    m_total = m_rows.size();
    updateTotal();
    endResetModel();
    m_changing = false;
}

void CorpusTableModel::refresh() {
    if (!m_cache) return;
    // Re-read at most the first 2000 rows (what a user watching live results sees); rows
    // further down are read again as they are fetched.
    constexpr int kLive = 2000;
    const int loaded = std::min<int>(std::max<int>(int(m_rows.size()), kPage), kLive);
    auto rows = query(0, loaded);
    updateTotal();
    const int common = std::min<int>(int(rows.size()), int(m_rows.size()));
    const bool same_prefix = std::equal(m_rows.begin(), m_rows.begin() + common, rows.begin(),
                                        [](auto& a, auto& b) { return a.sampleId == b.sampleId; });
    if (same_prefix) {
        for (int i = 0; i < common; ++i)
            m_rows[i] = rows[i]; // values may have changed
        if (common > 0) Q_EMIT dataChanged(index(0, 0), index(common - 1, ColumnCount - 1));
        if (rows.size() > m_rows.size()) { // new rows after the loaded ones: append
            m_changing = true;
            beginInsertRows({}, int(m_rows.size()), int(rows.size()) - 1);
            for (int i = common; i < rows.size(); ++i)
                m_rows.push_back(rows[i]);
            endInsertRows();
            m_changing = false;
        }
        m_exhausted = false;
        return;
    }
    m_changing = true;
    beginResetModel();
    m_rows = rows;
    m_exhausted = false;
    endResetModel();
    m_changing = false;
}

const RowData* CorpusTableModel::rowData(int row) const {
    return row >= 0 && row < m_rows.size() ? &m_rows[row] : nullptr;
}

int CorpusTableModel::rowOfSample(qint64 id) const {
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].sampleId == id) return i;
    return -1;
}

int CorpusTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}
int CorpusTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CorpusTableModel::data(const QModelIndex& idx, int role) const {
    if (!idx.isValid() || idx.row() >= m_rows.size()) return {};
    const RowData& r = m_rows[idx.row()];
    if (role == Qt::DisplayRole) {
        switch (idx.column()) {
        case Id:
            return r.key;
        case Domain:
            return r.domain;
        case Tokens:
            return r.tokens > 0 ? QVariant(r.tokens) : QVariant();
        case Cds:
            return std::isnan(r.cds) ? QVariant() : QVariant(QString::number(r.cds, 'g', 4));
        case Status:
            return r.status;
        case Decision:
            return r.decision;
        }
    }
    if (role == Qt::UserRole) return r.sampleId;
    if (role == Qt::TextAlignmentRole && (idx.column() == Tokens || idx.column() == Cds))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && r.status == "error") return QColor(Qt::red);
    if (role == Qt::ForegroundRole && r.status == kPendingStatus) return QColor(Qt::gray);
    if (role == Qt::ToolTipRole && idx.column() == Tokens) return tr("%1 characters").arg(r.chars);
    if (role == Qt::ToolTipRole && idx.column() == Decision && !r.decision.isEmpty())
        return tr("manual decision: %1").arg(r.decision);
    return {};
}

QVariant CorpusTableModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Id:
        return tr("id");
    case Domain:
        return tr("domain");
    case Tokens:
        return tr("tokens");
    case Cds:
        return tr("CDS");
    case Status:
        return tr("status");
    case Decision:
        return tr("decision");
    }
    return {};
}

void CorpusTableModel::sort(int column, Qt::SortOrder order) {
    if (column < 0 || column >= ColumnCount) return;
    m_changing = true;
    beginResetModel();
    m_sortColumn = column;
    m_order = order;
    m_rows = query(0, kPage);
    endResetModel();
    m_changing = false;
}

bool CorpusTableModel::canFetchMore(const QModelIndex& parent) const {
    if (parent.isValid() || m_changing || m_exhausted) return false;
    // While a filtered count is still running, a full last page means there may be more.
    return m_rows.size() < m_total || (m_rows.size() > 0 && m_rows.size() % kPage == 0);
}

void CorpusTableModel::fetchMore(const QModelIndex& parent) {
    if (parent.isValid() || m_changing) return;
    auto more = query(int(m_rows.size()), kPage);
    if (more.size() < kPage) m_exhausted = true;
    if (more.isEmpty()) return;
    m_changing = true;
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + more.size()) - 1);
    m_rows += more;
    endInsertRows();
    m_changing = false;
}

} // namespace ladm::ui
