#include "core/store/sqlite_db.h"

#include <sqlite3.h>

namespace ladm::sql {

std::unique_ptr<Database> Database::open(const std::string& path, const DatabaseOptions& o,
                                         std::string* error) {
    std::unique_ptr<Database> d(new Database);
    d->m_path = path;
    const int rc =
        sqlite3_open_v2(path.c_str(), &d->m_db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        *error = path + ": cannot open database: " +
                 (d->m_db ? sqlite3_errmsg(d->m_db) : sqlite3_errstr(rc));
        return nullptr;
    }
    sqlite3_busy_timeout(d->m_db, o.busy_timeout_ms);
    std::string err;
    if ((o.wal && !d->exec("PRAGMA journal_mode=WAL", &err)) ||
        !d->exec("PRAGMA synchronous=NORMAL", &err) ||
        (o.foreign_keys && !d->exec("PRAGMA foreign_keys=ON", &err))) {
        *error = path + ": " + err;
        return nullptr;
    }
    return d;
}

Database::~Database() {
    if (m_db) sqlite3_close_v2(m_db);
}

bool Database::exec(const std::string& sql, std::string* error) {
    char* msg = nullptr;
    if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
        if (error) *error = std::string(msg ? msg : "error") + " (in: " + sql.substr(0, 120) + ")";
        sqlite3_free(msg);
        return false;
    }
    return true;
}

Statement Database::prepare(const std::string& sql) {
    return Statement(m_db, sql);
}
int64_t Database::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(m_db);
}
int Database::changes() const {
    return sqlite3_changes(m_db);
}
std::string Database::last_error() const {
    return sqlite3_errmsg(m_db);
}

Statement::Statement(sqlite3* db, const std::string& sql)
    : m_db(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), int(sql.size()), &m_stmt, nullptr) != SQLITE_OK) {
        m_error = std::string(sqlite3_errmsg(db)) + " (in: " + sql.substr(0, 120) + ")";
        m_stmt = nullptr;
        m_failed = true;
    }
}

Statement::~Statement() {
    if (m_stmt) sqlite3_finalize(m_stmt);
}

Statement::Statement(Statement&& o) noexcept {
    *this = std::move(o);
}

Statement& Statement::operator=(Statement&& o) noexcept {
    if (this != &o) {
        if (m_stmt) sqlite3_finalize(m_stmt);
        m_db = o.m_db;
        m_stmt = o.m_stmt;
        m_error = std::move(o.m_error);
        m_failed = o.m_failed;
        o.m_stmt = nullptr;
    }
    return *this;
}

Statement& Statement::bind(int i, int64_t v) {
    if (m_stmt) sqlite3_bind_int64(m_stmt, i, v);
    return *this;
}
Statement& Statement::bind(int i, double v) {
    if (m_stmt) sqlite3_bind_double(m_stmt, i, v);
    return *this;
}
Statement& Statement::bind(int i, std::string_view v) {
    if (m_stmt) sqlite3_bind_text(m_stmt, i, v.data(), int(v.size()), SQLITE_TRANSIENT);
    return *this;
}
Statement& Statement::bind_blob(int i, const void* data, size_t n) {
    if (m_stmt) sqlite3_bind_blob64(m_stmt, i, data, n, SQLITE_TRANSIENT);
    return *this;
}
Statement& Statement::bind_null(int i) {
    if (m_stmt) sqlite3_bind_null(m_stmt, i);
    return *this;
}

bool Statement::step() {
    if (!m_stmt) return false;
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) {
        m_failed = true;
        m_error = sqlite3_errmsg(m_db);
    }
    return false;
}

bool Statement::run() {
    while (step()) {
    }
    const bool ok = !m_failed;
    reset();
    return ok;
}

void Statement::reset() {
    if (!m_stmt) return;
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

int64_t Statement::col_int(int i) const {
    return sqlite3_column_int64(m_stmt, i);
}
double Statement::col_double(int i) const {
    return sqlite3_column_double(m_stmt, i);
}
std::string Statement::col_text(int i) const {
    const auto* t = sqlite3_column_text(m_stmt, i);
    return t ? std::string(reinterpret_cast<const char*>(t),
                           size_t(sqlite3_column_bytes(m_stmt, i)))
             : std::string();
}
std::vector<uint8_t> Statement::col_blob(int i) const {
    const auto* b = static_cast<const uint8_t*>(sqlite3_column_blob(m_stmt, i));
    return b ? std::vector<uint8_t>(b, b + sqlite3_column_bytes(m_stmt, i))
             : std::vector<uint8_t>();
}
bool Statement::col_null(int i) const {
    return sqlite3_column_type(m_stmt, i) == SQLITE_NULL;
}

Transaction::Transaction(Database& db, bool immediate)
    : m_db(db) {
    m_begun = m_db.exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction() {
    if (m_begun && !m_done) m_db.exec("ROLLBACK");
}

bool Transaction::commit(std::string* error) {
    if (!m_begun || m_done) return false;
    m_done = true;
    return m_db.exec("COMMIT", error);
}

} // namespace ladm::sql
