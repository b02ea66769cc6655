// The score cache's read queries for front ends: the corpus table (every indexed sample of
// a run, filtered, sorted and paged), counts per status, one sample's location; and the
// whole-cache reads of export and merge. No front end writes SQL of its own.
#include "core/store/cache.h"

#include <cmath>
#include <unordered_map>
#include <variant>

namespace ladm {

namespace {

using Bind = std::variant<int64_t, double, std::string>;

void bind_all(sql::Statement& st, const std::vector<Bind>& b, int first = 1) {
    for (size_t i = 0; i < b.size(); ++i)
        std::visit([&](const auto& v) { st.bind(first + int(i), v); }, b[i]);
}

bool filters_scores(const SampleFilter& f) {
    return f.min_cds || f.max_cds || (!f.status.empty() && f.status != kPendingStatus);
}

// Which index a table query walks, in its order, so that the first page comes without
// sorting every matching row: the samples (corpus / domain order), the results by CDS, or
// the results by another column.
enum class Drive { Samples, ResultsByCds, ResultsByOther };

// The conditions on the sample and, if any, on its result (`r` may be a LEFT JOIN). A unary
// + on a term keeps SQLite from using that term's index instead of the one the order needs
// (it would then sort every row of a domain, or every row above a CDS: seconds at 1M).
std::string where_of(const SampleFilter& f, std::vector<Bind>* b, Drive drive = Drive::Samples) {
    const char* dom = drive == Drive::Samples ? "s.domain" : "+s.domain";
    const char* cds = drive == Drive::ResultsByCds ? "r.cds" : "+r.cds";
    const char* status = drive == Drive::Samples ? "+r.status" : "r.status";
    std::string w = " WHERE 1";
    if (!f.domain.empty()) w += std::string(" AND ") + dom + " = ?", b->push_back(f.domain);
    if (f.status == kPendingStatus)
        w += " AND r.sample_id IS NULL";
    else if (!f.status.empty())
        w += std::string(" AND ") + status + " = ?", b->push_back(f.status);
    if (f.min_cds) w += std::string(" AND ") + cds + " >= ?", b->push_back(*f.min_cds);
    if (f.max_cds) w += std::string(" AND ") + cds + " <= ?", b->push_back(*f.max_cds);
    if (!f.search.empty()) w += " AND instr(s.sample_key, ?) > 0", b->push_back(f.search);
    return w;
}

const std::string kRowColumns =
    std::string("SELECT s.id, s.sample_key, s.domain, COALESCE(r.status, '") + kPendingStatus +
    "'), r.cds, COALESCE(r.tokens, 0), s.chars, COALESCE(o.decision, '') ";
const char* kOverrides = " LEFT JOIN overrides o ON o.sample_key = s.sample_key";

SampleRow row_of(const sql::Statement& q) {
    SampleRow r;
    r.sample_id = q.col_int(0);
    r.key = q.col_text(1);
    r.domain = q.col_text(2);
    r.status = q.col_text(3);
    r.cds = q.col_null(4) ? NAN : q.col_double(4);
    r.tokens = q.col_int(5);
    r.chars = q.col_int(6);
    r.decision = q.col_text(7);
    return r;
}

std::vector<SampleRow> read_rows(sql::Database& db, const std::string& sql,
                                 const std::vector<Bind>& b, int64_t offset, int64_t limit) {
    std::vector<SampleRow> out;
    auto q = db.prepare(sql + " LIMIT ? OFFSET ?");
    bind_all(q, b);
    q.bind(int(b.size()) + 1, limit).bind(int(b.size()) + 2, offset);
    while (q.step())
        out.push_back(row_of(q));
    return out;
}

} // namespace

std::vector<SampleRow> Cache::sample_rows(int64_t run, const SampleQuery& query, int64_t offset,
                                          int64_t limit) {
    const SampleFilter& f = query.filter;
    const std::string dir = query.descending ? " DESC" : " ASC";
    std::vector<Bind> b{run};
    const std::string all = kRowColumns +
                            "FROM samples s LEFT JOIN results r ON r.run_id = ? AND "
                            "r.sample_id = s.id" +
                            kOverrides + where_of(f, &b);
    switch (query.sort) {
    case SampleSort::Corpus:
        return read_rows(*m_db, all + " ORDER BY s.id" + dir, b, offset, limit);
    case SampleSort::Domain: // index samples_domain
        return read_rows(*m_db, all + " ORDER BY s.domain" + dir + ", s.id" + dir, b, offset,
                         limit);
    case SampleSort::Decision:
        return read_rows(*m_db, all + " ORDER BY COALESCE(o.decision, '')" + dir + ", s.id" + dir,
                         b, offset, limit);
    default:
        break;
    }
    // Sorted by a result (CDS, tokens, status): the scored samples in the order of the
    // results' index on (run, column, sample), then the pending ones in corpus order.
    const char* column = query.sort == SampleSort::Cds      ? "r.cds"
                         : query.sort == SampleSort::Tokens ? "r.tokens"
                                                            : "r.status";
    std::vector<SampleRow> out;
    int64_t scored_before = 0; // scored rows before `offset`, once the scored part ends
    if (f.status != kPendingStatus) {
        std::vector<Bind> sb;
        const std::string scored =
            kRowColumns + "FROM results r JOIN samples s ON s.id = r.sample_id" + kOverrides +
            where_of(f, &sb,
                     query.sort == SampleSort::Cds ? Drive::ResultsByCds : Drive::ResultsByOther) +
            " AND r.run_id = ?";
        sb.push_back(run);
        out = read_rows(*m_db, scored + " ORDER BY " + column + dir + ", r.sample_id" + dir, sb,
                        offset, limit);
        if (int64_t(out.size()) == limit || filters_scores(f)) return out;
        if (out.empty()) { // past the scored part: how long was it?
            std::vector<Bind> cb;
            const std::string w = where_of(f, &cb);
            cb.push_back(run);
            auto q = m_db->prepare("SELECT COUNT(*) FROM results r JOIN samples s ON s.id = "
                                   "r.sample_id" +
                                   w + " AND r.run_id = ?");
            bind_all(q, cb);
            scored_before = q.step() ? q.col_int(0) : 0;
        } else {
            scored_before = offset + int64_t(out.size());
        }
    }
    SampleFilter pf = f;
    pf.status = kPendingStatus;
    std::vector<Bind> pb{run};
    const std::string pending = kRowColumns +
                                "FROM samples s LEFT JOIN results r ON r.run_id = ? AND "
                                "r.sample_id = s.id" +
                                kOverrides + where_of(pf, &pb) + " ORDER BY s.id";
    const int64_t poff = std::max<int64_t>(0, offset + int64_t(out.size()) - scored_before);
    auto more = read_rows(*m_db, pending, pb, poff, limit - int64_t(out.size()));
    out.insert(out.end(), more.begin(), more.end());
    return out;
}

int64_t Cache::count_samples(int64_t run, const SampleFilter& f) {
    const bool on_sample = !f.domain.empty() || !f.search.empty();
    auto one = [&](const std::string& sql, const std::vector<Bind>& b) {
        auto q = m_db->prepare(sql);
        bind_all(q, b);
        return q.step() ? q.col_int(0) : int64_t(0);
    };
    if (!on_sample && !f.min_cds && !f.max_cds) { // cheap: indexes only
        const bool scored_status = !f.status.empty() && f.status != kPendingStatus;
        const int64_t results =
            scored_status ? one("SELECT COUNT(*) FROM results WHERE run_id = ? AND status = ?",
                                {run, f.status})
                          : one("SELECT COUNT(*) FROM results WHERE run_id = ?", {run});
        if (scored_status) return results;
        const int64_t samples = one("SELECT COUNT(*) FROM samples", {});
        return f.status == kPendingStatus ? samples - results : samples;
    }
    std::vector<Bind> b{run};
    const std::string w = where_of(f, &b);
    return one("SELECT COUNT(*) FROM samples s LEFT JOIN results r ON r.run_id = ? AND "
               "r.sample_id = s.id" +
                   w,
               b);
}

std::map<std::string, int64_t> Cache::status_counts(int64_t run) {
    std::map<std::string, int64_t> out;
    int64_t scored = 0;
    auto q = m_db->prepare("SELECT status, COUNT(*) FROM results WHERE run_id = ? GROUP BY status");
    q.bind(1, run);
    while (q.step()) {
        out[q.col_text(0)] = q.col_int(1);
        scored += q.col_int(1);
    }
    out[kPendingStatus] = count("samples") - scored;
    return out;
}

std::optional<IndexedSample> Cache::sample(int64_t sample_id) {
    auto q = m_db->prepare(
        "SELECT s.id, s.sample_key, s.domain, s.chars, s.pretokenized, f.path, s.line, s.offset, "
        "s.length FROM samples s JOIN files f ON f.id = s.file_id WHERE s.id = ?");
    q.bind(1, sample_id);
    if (!q.step()) return std::nullopt;
    IndexedSample s;
    s.sample_id = q.col_int(0);
    s.key = q.col_text(1);
    s.domain = q.col_text(2);
    s.chars = q.col_int(3);
    s.pretokenized = q.col_int(4) != 0;
    s.loc = {q.col_text(5), q.col_int(6), uint64_t(q.col_int(7)), uint64_t(q.col_int(8))};
    return s;
}

std::vector<std::string> Cache::domains() {
    std::vector<std::string> out;
    auto q = m_db->prepare("SELECT DISTINCT domain FROM samples ORDER BY domain"); // index
    while (q.step())
        out.push_back(q.col_text(0));
    return out;
}

std::vector<FileInfo> Cache::files() {
    std::vector<FileInfo> out;
    auto q = m_db->prepare("SELECT path, size, mtime, hash FROM files ORDER BY path");
    while (q.step())
        out.push_back({q.col_text(0), q.col_int(1), q.col_int(2), q.col_text(3)});
    return out;
}

std::vector<Override> Cache::overrides() {
    std::vector<Override> out;
    auto q = m_db->prepare(
        "SELECT sample_key, decision, note, created FROM overrides ORDER BY sample_key");
    while (q.step())
        out.push_back({q.col_text(0), q.col_text(1), q.col_text(2), q.col_text(3)});
    return out;
}

// A run's result rows (selection, stats, export).
namespace {
const char* kResultRowSql =
    "SELECT s.id, s.sample_key, s.domain, r.status, r.cds, r.tokens, f.path, s.line, s.offset, "
    "s.length, "
    "COALESCE(o.decision, '') FROM results r JOIN samples s ON s.id = r.sample_id JOIN files f ON "
    "f.id = s.file_id "
    "LEFT JOIN overrides o ON o.sample_key = s.sample_key WHERE r.run_id = ?";

ResultRow row_of(sql::Statement& q) {
    ResultRow r;
    r.sample_id = q.col_int(0);
    r.key = q.col_text(1);
    r.domain = q.col_text(2);
    r.status = q.col_text(3);
    r.cds = q.col_null(4) ? std::nan("") : q.col_double(4); // NULL: failed, or no CDS asked
    r.tokens = q.col_int(5);
    r.loc = {q.col_text(6), q.col_int(7), uint64_t(q.col_int(8)), uint64_t(q.col_int(9))};
    r.override_decision = q.col_text(10);
    return r;
}
} // namespace

std::vector<ResultRow> Cache::results(int64_t run, bool corpus_order) {
    std::vector<ResultRow> out;
    auto q = m_db->prepare(std::string(kResultRowSql) +
                           (corpus_order ? " ORDER BY f.path, s.line" : ""));
    q.bind(1, run);
    std::unordered_map<int64_t, size_t> at;
    while (q.step()) {
        out.push_back(row_of(q));
        at[out.back().sample_id] = out.size() - 1;
    }
    auto s = m_db->prepare("SELECT sample_id, name, value FROM scores WHERE run_id = ?");
    s.bind(1, run);
    while (s.step())
        if (const auto it = at.find(s.col_int(0)); it != at.end())
            out[it->second].scores[s.col_text(1)] = s.col_double(2);
    return out;
}

namespace {
// The statement's first result row with its named scores (read once the statement is done).
std::optional<ResultRow> first_with_scores(Cache& cache, int64_t run, sql::Statement q) {
    if (!q.step()) return std::nullopt;
    auto r = row_of(q);
    q = sql::Statement();
    r.scores = cache.named_scores(run, r.sample_id);
    return r;
}
} // namespace

std::optional<ResultRow> Cache::result_row(int64_t run, int64_t sample_id) {
    auto q = m_db->prepare(std::string(kResultRowSql) + " AND s.id = ?");
    q.bind(1, run).bind(2, sample_id);
    return first_with_scores(*this, run, std::move(q));
}

std::optional<ResultRow> Cache::find_sample(int64_t run, const std::string& key) {
    auto q = m_db->prepare(std::string(kResultRowSql) + " AND s.sample_key = ?");
    q.bind(1, run).bind(2, key);
    return first_with_scores(*this, run, std::move(q));
}

// Named scores beside CDS (schema v5).
double ResultRow::score(const std::string& name) const {
    if (name == "cds") return status == "ok" ? cds : std::nan("");
    const auto it = scores.find(name);
    return it == scores.end() ? std::nan("") : it->second;
}

std::map<std::string, double> Cache::named_scores(int64_t run, int64_t sample) {
    std::map<std::string, double> out;
    auto q = m_db->prepare("SELECT name, value FROM scores WHERE run_id = ? AND sample_id = ?");
    q.bind(1, run).bind(2, sample);
    while (q.step())
        out[q.col_text(0)] = q.col_double(1);
    return out;
}

std::vector<std::string> Cache::score_names(int64_t run) {
    std::vector<std::string> out;
    auto q = m_db->prepare("SELECT DISTINCT name FROM scores WHERE run_id = ? ORDER BY name");
    q.bind(1, run);
    while (q.step())
        out.push_back(q.col_text(0));
    return out;
}

bool Cache::ingest(const std::string& path, int64_t* results, std::string* error) {
    // a file written by an older ladm is brought to the current schema first
    if (!Cache::open(path, error)) return false;
    auto& db = *m_db;
    auto attach = db.prepare("ATTACH DATABASE ? AS t");
    if (!attach.bind(1, path).run()) {
        *error = path + ": cannot attach: " + db.last_error();
        return false;
    }
    attach = sql::Statement();
    const char* sql = R"SQL(
INSERT INTO files(path, size, mtime, hash) SELECT path, size, mtime, hash FROM t.files WHERE true
  ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, hash = excluded.hash;
INSERT INTO samples(sample_key, file_id, line, offset, length, domain, chars, text_hash, pretokenized)
  SELECT s.sample_key, (SELECT id FROM main.files mf WHERE mf.path = tf.path), s.line, s.offset, s.length,
         s.domain, s.chars, s.text_hash, s.pretokenized
  FROM t.samples s JOIN t.files tf ON tf.id = s.file_id WHERE true
  ON CONFLICT(sample_key) DO UPDATE SET file_id = excluded.file_id, line = excluded.line, offset = excluded.offset,
    length = excluded.length, domain = excluded.domain, chars = excluded.chars, text_hash = excluded.text_hash,
    pretokenized = excluded.pretokenized;
INSERT OR IGNORE INTO runs(model_fingerprint, params, code_version, created, model)
  SELECT model_fingerprint, params, code_version, created, model FROM t.runs;
INSERT OR REPLACE INTO results(run_id, sample_id, status, error, cds, cds_layers, afs, span_starts, windows,
    span_mass, tokens, tokens_scored, seconds, scored_at)
  SELECT (SELECT mr.id FROM main.runs mr WHERE mr.model_fingerprint = tr.model_fingerprint
            AND mr.params = tr.params AND mr.code_version = tr.code_version),
         (SELECT ms.id FROM main.samples ms WHERE ms.sample_key = ts.sample_key),
         r.status, r.error, r.cds, r.cds_layers, r.afs, r.span_starts, r.windows, r.span_mass, r.tokens,
         r.tokens_scored, r.seconds, r.scored_at
  FROM t.results r JOIN t.runs tr ON tr.id = r.run_id JOIN t.samples ts ON ts.id = r.sample_id;
INSERT OR REPLACE INTO scores(run_id, sample_id, name, value)
  SELECT (SELECT mr.id FROM main.runs mr WHERE mr.model_fingerprint = tr.model_fingerprint
            AND mr.params = tr.params AND mr.code_version = tr.code_version),
         (SELECT ms.id FROM main.samples ms WHERE ms.sample_key = ts.sample_key),
         c.name, c.value
  FROM t.scores c JOIN t.runs tr ON tr.id = c.run_id JOIN t.samples ts ON ts.id = c.sample_id;
INSERT OR REPLACE INTO access_points(file_id, out_offset, in_offset, bits, window)
  SELECT (SELECT id FROM main.files mf WHERE mf.path = tf.path), a.out_offset, a.in_offset, a.bits, a.window
  FROM t.access_points a JOIN t.files tf ON tf.id = a.file_id;
)SQL";
    bool ok = false;
    std::string err;
    {
        sql::Transaction tx(db); // rolls back unless committed
        ok = tx.begun() && db.exec(sql, &err);
        if (ok) {
            auto cnt = db.prepare("SELECT COUNT(*) FROM t.results");
            *results = cnt.step() ? cnt.col_int(0) : 0;
            cnt = sql::Statement();
            ok = tx.commit(&err);
        }
    }
    db.exec("DETACH DATABASE t");
    if (!ok) *error = path + ": merging failed: " + err;
    return ok;
}

} // namespace ladm
