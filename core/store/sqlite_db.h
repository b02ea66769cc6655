// Thin RAII layer over SQLite: Database (options: WAL, busy timeout, foreign keys),
// Statement (prepared, reset for reuse), Transaction (rolls back unless committed).
// One Database per thread. Methods return false / an error string, never throw.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace ladm::sql {

struct DatabaseOptions {
    bool wal = true;
    int busy_timeout_ms = 30000; // a GUI and a CLI run may share the file
    bool foreign_keys = true;
};

class Statement;

class Database {
  public:
    static std::unique_ptr<Database> open(const std::string& path, const DatabaseOptions& o,
                                          std::string* error);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    bool exec(const std::string& sql, std::string* error = nullptr);
    // A prepared statement; check ok() (error() names the SQL on failure).
    Statement prepare(const std::string& sql);
    int64_t last_insert_rowid() const;
    int changes() const;
    std::string last_error() const;
    const std::string& path() const { return m_path; }
    sqlite3* handle() { return m_db; }

  private:
    Database() = default;
    sqlite3* m_db = nullptr;
    std::string m_path;
};

class Statement {
  public:
    Statement() = default;
    Statement(sqlite3* db, const std::string& sql);
    ~Statement();
    Statement(Statement&& o) noexcept;
    Statement& operator=(Statement&& o) noexcept;

    bool ok() const { return m_stmt != nullptr; }
    const std::string& error() const { return m_error; }

    Statement& bind(int i, int64_t v);
    Statement& bind(int i, int v) { return bind(i, int64_t(v)); }
    Statement& bind(int i, double v);
    Statement& bind(int i, std::string_view v);
    Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
    Statement& bind_blob(int i, const void* data, size_t n);
    Statement& bind_null(int i);

    // true while a row is available; false at the end or on error (see failed()).
    bool step();
    // Runs to completion; false on error.
    bool run();
    bool failed() const { return m_failed; }
    void reset();

    int64_t col_int(int i) const;
    double col_double(int i) const;
    std::string col_text(int i) const;
    std::vector<uint8_t> col_blob(int i) const;
    bool col_null(int i) const;

  private:
    sqlite3* m_db = nullptr;
    sqlite3_stmt* m_stmt = nullptr;
    std::string m_error;
    bool m_failed = false;
};

class Transaction {
  public:
    explicit Transaction(Database& db, bool immediate = true);
    ~Transaction();
    bool begun() const { return m_begun; }
    bool commit(std::string* error = nullptr);

  private:
    Database& m_db;
    bool m_begun = false, m_done = false;
};

} // namespace ladm::sql
