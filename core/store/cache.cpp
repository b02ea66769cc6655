#include "core/store/cache.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unordered_map>
#include <xxhash.h>
#include <zstd.h>

namespace fs = std::filesystem;

namespace ladm {

namespace {
// What an "ok" result without a finite score is stored and read as.
constexpr const char* kNoScoreStatus = "error";
constexpr const char* kNoScoreError = "the score is not finite (NaN or infinite)";

// Schema migrations: entry k brings a database from version k to k+1. Each runs in one
// transaction together with the version bump.
const char* kMigrations[] = {
    R"SQL(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files(
  id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, size INTEGER NOT NULL, mtime INTEGER NOT NULL,
  hash TEXT NOT NULL);
CREATE TABLE samples(
  id INTEGER PRIMARY KEY, sample_key TEXT NOT NULL UNIQUE,
  file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  line INTEGER NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL,
  domain TEXT NOT NULL, chars INTEGER NOT NULL, text_hash TEXT NOT NULL, pretokenized INTEGER NOT NULL);
CREATE INDEX samples_file ON samples(file_id);
CREATE TABLE runs(
  id INTEGER PRIMARY KEY, model_fingerprint TEXT NOT NULL, params TEXT NOT NULL, code_version TEXT NOT NULL,
  created TEXT NOT NULL, UNIQUE(model_fingerprint, params, code_version));
CREATE TABLE results(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  status TEXT NOT NULL, error TEXT, cds REAL, cds_layers BLOB, afs BLOB, span_starts BLOB,
  windows INTEGER, span_mass BLOB, tokens INTEGER NOT NULL, tokens_scored INTEGER NOT NULL,
  seconds REAL NOT NULL, scored_at TEXT NOT NULL,
  PRIMARY KEY(run_id, sample_id));
CREATE INDEX results_sample ON results(sample_id);
CREATE TABLE selections(
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, recipe TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE selection_members(
  selection_id INTEGER NOT NULL REFERENCES selections(id) ON DELETE CASCADE,
  sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  PRIMARY KEY(selection_id, sample_id));
CREATE TABLE overrides(
  sample_key TEXT PRIMARY KEY, decision TEXT NOT NULL CHECK(decision IN ('keep', 'reject')),
  note TEXT NOT NULL DEFAULT '', created TEXT NOT NULL);
INSERT INTO meta(key, value) VALUES('compatible_version', '1');
)SQL",
    // v2: indexes for the desktop app's sorted / filtered table over millions of results.
    R"SQL(
CREATE INDEX results_run_cds ON results(run_id, cds, sample_id);
CREATE INDEX results_run_tokens ON results(run_id, tokens, sample_id);
)SQL",
    // v3: access points into compressed inputs, so a sample is read back without
    // decompressing its file from the start (window: zstd-compressed 32 KiB for gzip).
    R"SQL(
CREATE TABLE access_points(
  file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  out_offset INTEGER NOT NULL, in_offset INTEGER NOT NULL, bits INTEGER NOT NULL, window BLOB NOT NULL,
  PRIMARY KEY(file_id, out_offset)) WITHOUT ROWID;
)SQL",
    // v4: the corpus table lists every indexed sample (pending ones too), sorted by domain
    // or status at any size.
    R"SQL(
CREATE INDEX samples_domain ON samples(domain, id);
CREATE INDEX results_run_status ON results(run_id, status, sample_id);
ALTER TABLE runs ADD COLUMN model TEXT NOT NULL DEFAULT '';
)SQL",
    // v5: several named scores per result (scorers beside CDS, surface features).
    R"SQL(
CREATE TABLE scores(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  name TEXT NOT NULL, value REAL NOT NULL,
  PRIMARY KEY(run_id, name, sample_id)) WITHOUT ROWID;
CREATE INDEX scores_sample ON scores(sample_id);
UPDATE results SET status = 'error', error = 'the score is not finite (NaN or infinite)'
  WHERE status = 'ok' AND cds IS NULL;
)SQL",
};

static_assert(sizeof kMigrations / sizeof kMigrations[0] == kCacheSchemaVersion,
              "one migration per schema version");

std::string now_iso() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

std::vector<uint8_t> pack_ints(const std::vector<int64_t>& v) {
    std::vector<uint8_t> raw(v.size() * sizeof(int64_t));
    if (!v.empty()) std::memcpy(raw.data(), v.data(), raw.size());
    return raw;
}
std::vector<int64_t> unpack_ints(const std::vector<uint8_t>& b) {
    std::vector<int64_t> v(b.size() / sizeof(int64_t));
    if (!v.empty()) std::memcpy(v.data(), b.data(), v.size() * sizeof(int64_t));
    return v;
}

} // namespace

std::vector<uint8_t> pack_floats(const std::vector<float>& v) {
    const size_t n = v.size() * sizeof(float);
    std::vector<uint8_t> out(ZSTD_compressBound(n) + 8);
    const uint64_t count = v.size();
    std::memcpy(out.data(), &count, 8);
    const size_t c = ZSTD_compress(out.data() + 8, out.size() - 8, v.data(), n, 3);
    out.resize(ZSTD_isError(c) ? 8 : 8 + c);
    return out;
}

std::vector<float> unpack_floats(const std::vector<uint8_t>& b) {
    if (b.size() < 8) return {};
    uint64_t count = 0;
    std::memcpy(&count, b.data(), 8);
    // The count is read from the file: a damaged one must not size the allocation. Stored
    // arrays compress far less than 1024:1 (span masses are mostly non-zero).
    if (count > ((b.size() - 8) * 1024 + (uint64_t(1) << 20)) / sizeof(float)) return {};
    std::vector<float> v(count);
    if (count == 0) return v;
    const size_t d = ZSTD_decompress(v.data(), count * sizeof(float), b.data() + 8, b.size() - 8);
    if (ZSTD_isError(d) || d != count * sizeof(float)) return {};
    return v;
}

bool stat_file(const std::string& path, FileInfo* out, std::string* error) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        *error = path + ": cannot stat: " + std::strerror(errno);
        return false;
    }
    std::error_code ec;
    out->path = fs::absolute(path, ec).lexically_normal().string();
    out->size = int64_t(st.st_size);
    out->mtime = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        *error = path + ": cannot read";
        return false;
    }
    XXH3_state_t* h = XXH3_createState();
    XXH3_128bits_reset(h);
    XXH3_128bits_update(h, &out->size, sizeof out->size);
    std::vector<char> buf(1 << 20);
    in.read(buf.data(), std::streamsize(buf.size()));
    XXH3_128bits_update(h, buf.data(), size_t(in.gcount()));
    if (out->size > int64_t(buf.size())) {
        in.clear();
        in.seekg(std::max<int64_t>(int64_t(buf.size()), out->size - int64_t(buf.size())));
        in.read(buf.data(), std::streamsize(buf.size()));
        XXH3_128bits_update(h, buf.data(), size_t(in.gcount()));
    }
    const XXH128_hash_t d = XXH3_128bits_digest(h);
    XXH3_freeState(h);
    char hex[33];
    std::snprintf(hex, sizeof hex, "%016llx%016llx", (unsigned long long)d.high64,
                  (unsigned long long)d.low64);
    out->hash = hex;
    return true;
}

std::unique_ptr<Cache> Cache::open(const std::string& path, std::string* error) {
    std::unique_ptr<Cache> c(new Cache);
    c->m_db = sql::Database::open(path, sql::DatabaseOptions{}, error);
    if (!c->m_db) return nullptr;
    if (!c->migrate(error)) return nullptr;
    return c;
}

bool Cache::migrate(std::string* error) {
    auto st = m_db->prepare("PRAGMA user_version");
    int version = st.step() ? int(st.col_int(0)) : 0;
    st = sql::Statement();
    const int latest = int(sizeof kMigrations / sizeof kMigrations[0]);
    if (version > latest) {
        // A newer LADM Studio wrote this file; open it only if it says we can.
        auto cv = m_db->prepare("SELECT value FROM meta WHERE key = 'compatible_version'");
        const int compatible = cv.step() ? std::stoi(cv.col_text(0)) : version;
        if (compatible > latest) {
            *error = m_db->path() + ": cache schema version " + std::to_string(version) +
                     " needs a newer LADM Studio (this one reads up to " + std::to_string(latest) +
                     ")";
            return false;
        }
        return true;
    }
    while (version < latest) {
        sql::Transaction tx(*m_db);
        std::string err;
        if (!tx.begun() || !m_db->exec(kMigrations[version], &err) ||
            !m_db->exec("PRAGMA user_version = " + std::to_string(version + 1), &err) ||
            !tx.commit(&err)) {
            *error = m_db->path() + ": migrating the cache to schema " +
                     std::to_string(version + 1) + " failed: " + err;
            return false;
        }
        ++version;
    }
    return true;
}

bool Cache::register_file(const FileInfo& f, int64_t* file_id, int64_t* invalidated,
                          std::string* error) {
    *invalidated = 0;
    sql::Transaction tx(*m_db);
    auto q = m_db->prepare("SELECT id, size, mtime, hash FROM files WHERE path = ?");
    q.bind(1, f.path);
    if (q.step()) {
        *file_id = q.col_int(0);
        const bool same =
            q.col_int(1) == f.size && q.col_int(2) == f.mtime && q.col_text(3) == f.hash;
        q = sql::Statement();
        if (!same) {
            auto c = m_db->prepare("SELECT COUNT(*) FROM samples WHERE file_id = ?");
            c.bind(1, *file_id);
            if (c.step()) *invalidated = c.col_int(0);
            c = sql::Statement();
            auto del_points = m_db->prepare("DELETE FROM access_points WHERE file_id = ?");
            if (!del_points.bind(1, *file_id).run()) {
                *error = m_db->path() + ": " + m_db->last_error();
                return false;
            }
            auto del = m_db->prepare("DELETE FROM samples WHERE file_id = ?");
            auto upd = m_db->prepare("UPDATE files SET size = ?, mtime = ?, hash = ? WHERE id = ?");
            if (!del.bind(1, *file_id).run() ||
                !upd.bind(1, f.size).bind(2, f.mtime).bind(3, f.hash).bind(4, *file_id).run()) {
                *error = m_db->path() + ": " + m_db->last_error();
                return false;
            }
        }
    } else {
        q = sql::Statement();
        auto ins = m_db->prepare("INSERT INTO files(path, size, mtime, hash) VALUES(?, ?, ?, ?)");
        if (!ins.bind(1, f.path).bind(2, f.size).bind(3, f.mtime).bind(4, f.hash).run()) {
            *error = m_db->path() + ": " + m_db->last_error();
            return false;
        }
        *file_id = m_db->last_insert_rowid();
    }
    return tx.commit(error);
}

bool Cache::put_access_points(int64_t file_id, const std::vector<AccessPoint>& points,
                              std::string* error) {
    sql::Transaction tx(*m_db);
    auto ins = m_db->prepare("INSERT OR REPLACE INTO access_points(file_id, out_offset, in_offset, "
                             "bits, window) VALUES(?, ?, ?, ?, ?)");
    for (const auto& p : points) {
        std::vector<uint8_t> w(ZSTD_compressBound(p.window.size()));
        const size_t n = ZSTD_compress(w.data(), w.size(), p.window.data(), p.window.size(), 3);
        if (ZSTD_isError(n)) {
            *error = std::string("compressing an access point window: ") + ZSTD_getErrorName(n);
            return false;
        }
        w.resize(n);
        ins.reset();
        if (!ins.bind(1, file_id)
                 .bind(2, int64_t(p.out))
                 .bind(3, int64_t(p.in))
                 .bind(4, int64_t(p.bits))
                 .bind_blob(5, w.data(), w.size())
                 .run()) {
            *error = m_db->path() + ": storing access points: " + m_db->last_error();
            return false;
        }
    }
    return tx.commit(error);
}

std::vector<AccessPoint> Cache::access_points(const std::string& path) {
    std::vector<AccessPoint> out;
    auto q =
        m_db->prepare("SELECT a.out_offset, a.in_offset, a.bits, a.window FROM access_points a "
                      "JOIN files f ON f.id = a.file_id WHERE f.path = ? ORDER BY a.out_offset");
    q.bind(1, path);
    while (q.step()) {
        AccessPoint p;
        p.out = uint64_t(q.col_int(0));
        p.in = uint64_t(q.col_int(1));
        p.bits = int(q.col_int(2));
        const std::vector<uint8_t> w = q.col_blob(3);
        const unsigned long long size = ZSTD_getFrameContentSize(w.data(), w.size());
        if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) continue;
        p.window.resize(size_t(size));
        if (ZSTD_isError(ZSTD_decompress(p.window.data(), p.window.size(), w.data(), w.size())))
            continue; // a damaged point is skipped: reading falls back to an earlier one
        out.push_back(std::move(p));
    }
    return out;
}

int64_t Cache::upsert_sample(int64_t file_id, const Sample& s, std::string* error) {
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016llx", (unsigned long long)s.text_hash);
    auto fail = [&](const std::string& what) {
        *error = m_db->path() + ": storing sample '" + s.id + "': " + what;
        return int64_t(0);
    };
    auto q = m_db->prepare("SELECT id, text_hash FROM samples WHERE sample_key = ?");
    q.bind(1, s.id);
    if (q.step()) {
        const int64_t id = q.col_int(0);
        const bool same_text = q.col_text(1) == hash;
        q = sql::Statement();
        if (!same_text) { // the text changed under the same id: its results are stale
            auto del = m_db->prepare("DELETE FROM results WHERE sample_id = ?");
            if (!del.bind(1, id).run()) return fail(m_db->last_error());
        }
        auto upd = m_db->prepare(
            "UPDATE samples SET file_id = ?, line = ?, offset = ?, length = ?, domain = ?, "
            "chars = ?, text_hash = ?, pretokenized = ? WHERE id = ?");
        upd.bind(1, file_id)
            .bind(2, s.loc.line)
            .bind(3, int64_t(s.loc.offset))
            .bind(4, int64_t(s.loc.length));
        upd.bind(5, s.domain)
            .bind(6, s.chars)
            .bind(7, std::string_view(hash))
            .bind(8, int64_t(s.pretokenized));
        if (!upd.bind(9, id).run()) return fail(m_db->last_error());
        return id;
    }
    q = sql::Statement();
    auto ins = m_db->prepare(
        "INSERT INTO samples(sample_key, file_id, line, offset, length, domain, chars, "
        "text_hash, pretokenized) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, s.id)
        .bind(2, file_id)
        .bind(3, s.loc.line)
        .bind(4, int64_t(s.loc.offset))
        .bind(5, int64_t(s.loc.length));
    ins.bind(6, s.domain)
        .bind(7, s.chars)
        .bind(8, std::string_view(hash))
        .bind(9, int64_t(s.pretokenized));
    if (!ins.run()) return fail(m_db->last_error());
    return m_db->last_insert_rowid();
}

bool Cache::upsert_samples(int64_t file_id, const std::vector<Sample>& samples,
                           std::string* error) {
    sql::Transaction tx(*m_db); // rolls back unless committed
    for (const auto& s : samples)
        if (!upsert_sample(file_id, s, error)) return false;
    return tx.commit(error);
}

int64_t Cache::run_id(const std::string& fingerprint, const std::string& params,
                      const std::string& version, std::string* error, const std::string& model) {
    auto q = m_db->prepare("SELECT id, model FROM runs WHERE model_fingerprint = ? AND params = ? "
                           "AND code_version = ?");
    q.bind(1, fingerprint).bind(2, params).bind(3, version);
    if (q.step()) {
        const int64_t id = q.col_int(0);
        const bool unnamed = q.col_text(1).empty();
        q = sql::Statement();
        if (unnamed && !model.empty()) { // a run made before runs had model names
            auto upd = m_db->prepare("UPDATE runs SET model = ? WHERE id = ?");
            upd.bind(1, model).bind(2, id).run();
        }
        return id;
    }
    q = sql::Statement();
    auto ins = m_db->prepare("INSERT INTO runs(model_fingerprint, params, code_version, created, "
                             "model) VALUES(?, ?, ?, ?, ?)");
    if (!ins.bind(1, fingerprint)
             .bind(2, params)
             .bind(3, version)
             .bind(4, now_iso())
             .bind(5, model)
             .run()) {
        *error = m_db->path() + ": " + m_db->last_error();
        return 0;
    }
    return m_db->last_insert_rowid();
}

bool Cache::has_result(int64_t run, int64_t sample) {
    auto q = m_db->prepare("SELECT 1 FROM results WHERE run_id = ? AND sample_id = ?");
    q.bind(1, run).bind(2, sample);
    return q.step();
}

bool Cache::put_result(int64_t run, int64_t sample, const StoredResult& r, std::string* error) {
    auto q = m_db->prepare("INSERT OR REPLACE INTO results(run_id, sample_id, status, error, cds, "
                           "cds_layers, afs, span_starts, windows, "
                           "span_mass, tokens, tokens_scored, seconds, scored_at) VALUES(?, ?, ?, "
                           "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    // SQLite stores a NaN as NULL: an "ok" without a finite score would read back as 0
    // and be selected. Such a result is kept as the failure it is. (Versions before schema
    // v5 could store one; the migration turns them into failures too.) A run without CDS
    // (has_cds false) stores NULL.
    const bool no_score = r.status == "ok" && r.has_cds && !std::isfinite(r.cds);
    q.bind(1, run).bind(2, sample);
    if (no_score)
        q.bind(3, kNoScoreStatus).bind(4, kNoScoreError);
    else
        q.bind(3, r.status).bind(4, r.error);
    if (r.status == "ok" && !no_score && r.has_cds)
        q.bind(5, r.cds);
    else
        q.bind_null(5);
    const auto layers = pack_floats(r.cds_layers), afs = pack_floats(r.afs),
               mass = pack_floats(r.span_mass);
    const auto starts = pack_ints(r.span_starts);
    q.bind_blob(6, layers.data(), layers.size()).bind_blob(7, afs.data(), afs.size());
    q.bind_blob(8, starts.data(), starts.size())
        .bind(9, r.windows)
        .bind_blob(10, mass.data(), mass.size());
    q.bind(11, r.tokens).bind(12, r.tokens_scored).bind(13, r.seconds).bind(14, now_iso());
    sql::Transaction tx(*m_db); // the result and its named scores together
    auto fail = [&] {
        *error = m_db->path() + ": storing a result: " + m_db->last_error();
        return false;
    };
    if (!tx.begun() || !q.run()) return fail();
    auto del = m_db->prepare("DELETE FROM scores WHERE run_id = ? AND sample_id = ?");
    if (!del.bind(1, run).bind(2, sample).run()) return fail();
    auto ins =
        m_db->prepare("INSERT INTO scores(run_id, sample_id, name, value) VALUES(?, ?, ?, ?)");
    for (const auto& [name, value] : r.scores) {
        if (!std::isfinite(value)) continue; // stored as NULL otherwise: no score is no row
        ins.reset();
        if (!ins.bind(1, run).bind(2, sample).bind(3, name).bind(4, value).run()) return fail();
    }
    std::string err;
    if (!tx.commit(&err)) {
        *error = m_db->path() + ": storing a result: " + err;
        return false;
    }
    return true;
}

std::optional<StoredResult> Cache::result(int64_t run, int64_t sample) {
    auto q = m_db->prepare(
        "SELECT status, error, cds, cds_layers, afs, span_starts, windows, span_mass, tokens, "
        "tokens_scored, seconds FROM results WHERE run_id = ? AND sample_id = ?");
    q.bind(1, run).bind(2, sample);
    if (!q.step()) return std::nullopt;
    StoredResult r;
    r.status = q.col_text(0);
    r.error = q.col_text(1);
    r.has_cds = !q.col_null(2);
    r.cds = r.has_cds ? q.col_double(2) : std::nan("");
    r.cds_layers = unpack_floats(q.col_blob(3));
    r.afs = unpack_floats(q.col_blob(4));
    r.span_starts = unpack_ints(q.col_blob(5));
    r.windows = q.col_int(6);
    r.span_mass = unpack_floats(q.col_blob(7));
    r.tokens = q.col_int(8);
    r.tokens_scored = q.col_int(9);
    r.seconds = q.col_double(10);
    q = sql::Statement();
    r.scores = named_scores(run, sample);
    return r;
}

std::vector<RunInfo> Cache::runs() {
    std::vector<RunInfo> out;
    auto q = m_db->prepare(
        "SELECT r.id, r.model_fingerprint, r.params, r.code_version, r.created, "
        "(SELECT COUNT(*) FROM results WHERE run_id = r.id), r.model FROM runs r ORDER BY r.id");
    while (q.step())
        out.push_back({q.col_int(0), q.col_text(1), q.col_text(2), q.col_text(3), q.col_text(4),
                       q.col_int(5), q.col_text(6)});
    return out;
}

int64_t Cache::latest_run() {
    auto q = m_db->prepare("SELECT MAX(id) FROM runs");
    return q.step() ? q.col_int(0) : 0;
}

bool Cache::set_override(const std::string& key, const std::string& decision,
                         const std::string& note, std::string* error) {
    if (decision != "keep" && decision != "reject") {
        *error = "override must be keep or reject, got '" + decision + "'";
        return false;
    }
    auto q = m_db->prepare(
        "INSERT OR REPLACE INTO overrides(sample_key, decision, note, created) VALUES(?, ?, ?, ?)");
    if (!q.bind(1, key).bind(2, decision).bind(3, note).bind(4, now_iso()).run()) {
        *error = m_db->path() + ": " + m_db->last_error();
        return false;
    }
    return true;
}

bool Cache::clear_override(const std::string& key, std::string* error) {
    auto q = m_db->prepare("DELETE FROM overrides WHERE sample_key = ?");
    if (!q.bind(1, key).run()) {
        *error = m_db->path() + ": " + m_db->last_error();
        return false;
    }
    return true;
}

bool Cache::save_selection(const std::string& name, const std::string& recipe,
                           const std::vector<int64_t>& kept, std::string* error) {
    sql::Transaction tx(*m_db);
    auto del = m_db->prepare("DELETE FROM selections WHERE name = ?");
    auto ins = m_db->prepare("INSERT INTO selections(name, recipe, created) VALUES(?, ?, ?)");
    if (!del.bind(1, name).run() || !ins.bind(1, name).bind(2, recipe).bind(3, now_iso()).run()) {
        *error = m_db->path() + ": " + m_db->last_error();
        return false;
    }
    const int64_t sel = m_db->last_insert_rowid();
    auto mem = m_db->prepare("INSERT INTO selection_members(selection_id, sample_id) VALUES(?, ?)");
    for (int64_t id : kept)
        if (!mem.bind(1, sel).bind(2, id).run()) {
            *error = m_db->path() + ": " + m_db->last_error();
            return false;
        }
    return tx.commit(error);
}

bool Cache::load_selection(const std::string& name, std::vector<int64_t>* kept, std::string* recipe,
                           std::string* error) {
    auto q = m_db->prepare("SELECT id, recipe FROM selections WHERE name = ?");
    q.bind(1, name);
    if (!q.step()) {
        *error = m_db->path() + ": no selection named '" + name + "' (run ladm select first)";
        return false;
    }
    const int64_t sel = q.col_int(0);
    *recipe = q.col_text(1);
    auto m = m_db->prepare("SELECT sample_id FROM selection_members WHERE selection_id = ?");
    m.bind(1, sel);
    kept->clear();
    while (m.step())
        kept->push_back(m.col_int(0));
    return true;
}

int64_t Cache::count(const std::string& table) {
    auto q = m_db->prepare("SELECT COUNT(*) FROM " + table);
    return q.step() ? q.col_int(0) : -1;
}

bool Cache::integrity_ok(std::string* detail) {
    auto q = m_db->prepare("PRAGMA integrity_check");
    std::string all;
    while (q.step())
        all += q.col_text(0);
    if (detail) *detail = all;
    return all == "ok";
}

} // namespace ladm
