#include "ui/corpus_table_model.h"

#include "core/store/cache.h"

#include <QColor>
#include <QFont>
#include <QFutureWatcher>
#include <QtConcurrent>

#include <cmath>

namespace ladm::ui {

namespace {
const char* kSelect =
    "SELECT s.id, s.sample_key, s.domain, r.status, r.cds, r.tokens, COALESCE(o.decision, '') "
    "FROM results r JOIN samples s ON s.id = r.sample_id LEFT JOIN overrides o ON o.sample_key = "
    "s.sample_key ";

const char* sort_expr(int column) {
    switch (column) {
    case CorpusTableModel::Domain:
        return "s.domain";
    case CorpusTableModel::Tokens:
        return "r.tokens";
    case CorpusTableModel::Cds:
        return "r.cds"; // indexed (run_id, cds, sample_id); NULLs sort lowest
    case CorpusTableModel::Status:
        return "r.status";
    case CorpusTableModel::Decision:
        return "COALESCE(o.decision, '')";
    default:
        return "r.sample_id"; // corpus order (the results key); fast at any size
    }
}
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

QString CorpusTableModel::whereClause(QVector<QVariant>* b) const {
    QString w = "WHERE r.run_id = ?";
    b->push_back(m_run);
    if (!m_filter.domain.isEmpty()) w += " AND s.domain = ?", b->push_back(m_filter.domain);
    if (!m_filter.status.isEmpty()) w += " AND r.status = ?", b->push_back(m_filter.status);
    if (m_filter.minCds) w += " AND r.cds >= ?", b->push_back(*m_filter.minCds);
    if (m_filter.maxCds) w += " AND r.cds <= ?", b->push_back(*m_filter.maxCds);
    if (!m_filter.search.isEmpty())
        w += " AND instr(s.sample_key, ?) > 0", b->push_back(m_filter.search);
    return w;
}

namespace {
void bind_all(sql::Statement& st, const QVector<QVariant>& b) {
    for (int i = 0; i < b.size(); ++i) {
        if (b[i].typeId() == QMetaType::Double)
            st.bind(i + 1, b[i].toDouble());
        else if (b[i].typeId() == QMetaType::QString)
            st.bind(i + 1, b[i].toString().toStdString());
        else
            st.bind(i + 1, int64_t(b[i].toLongLong()));
    }
}
} // namespace

QString CorpusTableModel::countSql(QVector<QVariant>* b) const {
    const QString where = whereClause(b);
    // Without filters on the sample, count on the results table alone (its primary key).
    const bool results_only = m_filter.domain.isEmpty() && m_filter.search.isEmpty();
    return (results_only
                ? QString("SELECT COUNT(*) FROM results r ")
                : QString("SELECT COUNT(*) FROM results r JOIN samples s ON s.id = r.sample_id ")) +
           where;
}

qint64 CorpusTableModel::countRows() const {
    if (!m_cache) return 0;
    QVector<QVariant> b;
    auto st = m_cache->db().prepare(countSql(&b).toStdString());
    bind_all(st, b);
    return st.step() ? st.col_int(0) : 0;
}

void CorpusTableModel::updateTotal() {
    const int gen = ++m_countGeneration;
    if (m_filter.domain.isEmpty() && m_filter.search.isEmpty()) {
        m_total = countRows();
        Q_EMIT totalRowsChanged(m_total);
        return;
    }
    QVector<QVariant> b;
    const std::string sql = countSql(&b).toStdString();
    const std::string path = m_path.toStdString();
    auto* w = new QFutureWatcher<qint64>(this);
    connect(w, &QFutureWatcher<qint64>::finished, this, [this, w, gen] {
        const qint64 n = w->result();
        w->deleteLater();
        if (gen != m_countGeneration || n < 0) return;
        m_total = n;
        Q_EMIT totalRowsChanged(n);
    });
    w->setFuture(QtConcurrent::run([sql, path, b] {
        std::string err;
        auto c = Cache::open(path, &err); // one connection per thread
        if (!c) return qint64(-1);
        auto st = c->db().prepare(sql);
        bind_all(st, b);
        return st.step() ? qint64(st.col_int(0)) : qint64(-1);
    }));
}

QVector<RowData> CorpusTableModel::query(int offset, int limit) const {
    QVector<RowData> out;
    if (!m_cache) return out;
    QVector<QVariant> b;
    const QString sql = QString(kSelect) + whereClause(&b) + " ORDER BY " +
                        sort_expr(m_sortColumn) +
                        (m_order == Qt::AscendingOrder ? " ASC" : " DESC") + ", r.sample_id" +
                        (m_order == Qt::AscendingOrder ? " ASC" : " DESC") + " LIMIT ? OFFSET ?";
    auto st = m_cache->db().prepare(sql.toStdString());
    bind_all(st, b);
    st.bind(int(b.size()) + 1, int64_t(limit)).bind(int(b.size()) + 2, int64_t(offset));
    while (st.step()) {
        RowData r;
        r.sampleId = st.col_int(0);
        r.key = QString::fromStdString(st.col_text(1));
        r.domain = QString::fromStdString(st.col_text(2));
        r.status = QString::fromStdString(st.col_text(3));
        r.cds = st.col_null(4) ? NAN : st.col_double(4);
        r.tokens = st.col_int(5);
        r.decision = QString::fromStdString(st.col_text(6));
        out.push_back(r);
    }
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
            return r.tokens;
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
