#include "core/corpus/corpus.h"

#include "core/corpus/line_source.h"
#include "core/text/utf8.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <glob.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <xxhash.h>

namespace fs = std::filesystem;

namespace ladm {

const char* problem_name(ProblemKind k) {
    switch (k) {
    case ProblemKind::MalformedJson:
        return "malformed_json";
    case ProblemKind::NotAnObject:
        return "not_an_object";
    case ProblemKind::MissingText:
        return "missing_text";
    case ProblemKind::NonStringText:
        return "non_string_text";
    case ProblemKind::InvalidUtf8:
        return "invalid_utf8";
    case ProblemKind::EmptyText:
        return "empty_text";
    case ProblemKind::LineTooLong:
        return "line_too_long";
    case ProblemKind::BadInputIds:
        return "bad_input_ids";
    case ProblemKind::DuplicateId:
        return "duplicate_id";
    case ProblemKind::Truncated:
        return "truncated";
    case ProblemKind::Unreadable:
        return "unreadable";
    }
    return "unknown";
}

namespace {

bool is_jsonl(const fs::path& p) {
    const std::string n = p.filename().string();
    for (const char* ext :
         {".jsonl", ".jsonl.gz", ".jsonl.zst", ".json.gz", ".json.zst", ".ndjson"})
        if (n.size() > std::strlen(ext) &&
            n.compare(n.size() - std::strlen(ext), std::strlen(ext), ext) == 0)
            return true;
    return false;
}

// Shard name: the file name without .jsonl/.gz/.zst.
std::string shard_name(const std::string& file) {
    std::string n = fs::path(file).filename().string();
    for (const char* ext : {".zst", ".gz", ".jsonl", ".json", ".ndjson"})
        if (n.size() > std::strlen(ext) &&
            n.compare(n.size() - std::strlen(ext), std::strlen(ext), ext) == 0)
            n.resize(n.size() - std::strlen(ext));
    return n;
}

const nlohmann::json* at_path(const nlohmann::json& j, const std::string& dotted) {
    const nlohmann::json* cur = &j;
    size_t start = 0;
    while (true) {
        const size_t dot = dotted.find('.', start);
        const std::string key =
            dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (!cur->is_object() || !cur->contains(key)) return nullptr;
        cur = &(*cur)[key];
        if (dot == std::string::npos) return cur;
        start = dot + 1;
    }
}

std::string scalar_string(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
    if (v.is_number()) return v.dump();
    return {};
}

} // namespace

namespace {
bool parse_record_checked(const std::string& line, const CorpusOptions& o, const std::string& shard,
                          Sample* out, ProblemKind* kind, std::string* message);
}

bool parse_record(const std::string& line, const CorpusOptions& o, const std::string& shard,
                  Sample* out, ProblemKind* kind, std::string* message) {
    // A record too large for the memory left (its JSON tree, its text copy) is that
    // record's problem, not the run's.
    try {
        return parse_record_checked(line, o, shard, out, kind, message);
    } catch (const std::bad_alloc&) {
        *kind = ProblemKind::LineTooLong;
        *message = "record of " + std::to_string(line.size()) + " bytes does not fit in memory";
    }
    out->text.clear();
    out->text.shrink_to_fit();
    out->input_ids.clear();
    out->input_ids.shrink_to_fit();
    return false;
}

namespace {
bool parse_record_checked(const std::string& line, const CorpusOptions& o, const std::string& shard,
                          Sample* out, ProblemKind* kind, std::string* message) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(line);
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        if (!utf8::is_valid(line)) {
            *kind = ProblemKind::InvalidUtf8;
            *message = "record is not valid UTF-8";
        } else {
            *kind = ProblemKind::MalformedJson;
            *message = std::string("malformed JSON: ") + e.what();
        }
        return false;
    }
    if (!j.is_object()) {
        *kind = ProblemKind::NotAnObject;
        *message = "record is not a JSON object";
        return false;
    }
    out->text.clear();
    out->input_ids.clear();
    out->pretokenized = false;
    if (j.contains("input_ids")) {
        const auto& ids = j["input_ids"];
        if (!ids.is_array()) {
            *kind = ProblemKind::BadInputIds;
            *message = "input_ids is not an array";
            return false;
        }
        out->input_ids.reserve(ids.size());
        for (const auto& v : ids) {
            if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX) {
                *kind = ProblemKind::BadInputIds;
                *message = "input_ids holds a value that is not a non-negative 32-bit integer";
                return false;
            }
            out->input_ids.push_back(v.get<int32_t>());
        }
        if (out->input_ids.empty()) {
            *kind = ProblemKind::EmptyText;
            *message = "input_ids is empty";
            return false;
        }
        out->pretokenized = true;
        out->text_hash =
            XXH3_64bits(out->input_ids.data(), out->input_ids.size() * sizeof(int32_t));
        out->chars = 0;
    } else {
        if (!j.contains(o.text_key) || j[o.text_key].is_null()) {
            *kind = ProblemKind::MissingText;
            *message = "no '" + o.text_key + "' field";
            return false;
        }
        if (!j[o.text_key].is_string()) {
            *kind = ProblemKind::NonStringText;
            *message = "'" + o.text_key + "' is not a string";
            return false;
        }
        out->text = j[o.text_key].get<std::string>();
        if (out->text.empty()) {
            *kind = ProblemKind::EmptyText;
            *message = "'" + o.text_key + "' is empty";
            return false;
        }
        out->text_hash = XXH3_64bits(out->text.data(), out->text.size());
        out->chars = utf8::CharIndex(out->text).size();
    }
    out->id.clear();
    if (const auto* id = at_path(j, o.id_key)) out->id = scalar_string(*id);
    out->domain.clear();
    for (const std::string& p : {o.domain_path, std::string("meta.source"), std::string("source")})
        if (const auto* d = at_path(j, p); d && d->is_string() && !d->get<std::string>().empty()) {
            out->domain = d->get<std::string>();
            break;
        }
    if (out->domain.empty()) out->domain = shard;
    return true;
}
} // namespace

struct CorpusReader::State {
    std::unique_ptr<LineSource> src;
    bool whole_files = false; // current input is a plain text/code file
    std::string file;
    std::string shard;
    std::string domain_for_file; // plain files: top folder or extension
    int64_t last_line = 0;       // of the current file, read so far
};

CorpusReader::~CorpusReader() = default;

std::unique_ptr<CorpusReader> CorpusReader::open(const std::vector<std::string>& inputs,
                                                 const CorpusOptions& o, std::string* error) {
    std::unique_ptr<CorpusReader> r(new CorpusReader);
    r->m_opts = o;
    r->m_state = std::make_unique<State>();
    for (const auto& in : inputs) {
        std::error_code ec;
        if (fs::is_directory(in, ec)) {
            std::vector<std::string> found;
            for (auto it = fs::recursive_directory_iterator(
                     in, fs::directory_options::skip_permission_denied, ec);
                 it != fs::recursive_directory_iterator(); it.increment(ec))
                if (it->is_regular_file(ec)) found.push_back(it->path().string());
            std::sort(found.begin(), found.end());
            r->m_files.insert(r->m_files.end(), found.begin(), found.end());
        } else if (fs::exists(in, ec)) {
            r->m_files.push_back(in);
        } else {
            glob_t g{};
            if (::glob(in.c_str(), 0, nullptr, &g) == 0)
                for (size_t i = 0; i < g.gl_pathc; ++i)
                    r->m_files.push_back(g.gl_pathv[i]);
            ::globfree(&g);
            if (g.gl_pathc == 0)
                r->problem(ProblemKind::Unreadable, 0, "no such file, directory or glob match");
            if (!r->m_problems.empty()) r->m_problems.back().file = in;
        }
    }
    for (const auto& f : r->m_files) {
        std::error_code ec;
        const auto sz = fs::file_size(f, ec);
        r->m_sizes.push_back(ec ? 0 : uint64_t(sz));
        r->m_total_bytes += r->m_sizes.back();
    }
    if (r->m_files.empty()) {
        *error = "no input files" +
                 (r->m_problems.empty() ? std::string() : ": " + r->m_problems.back().where());
        return nullptr;
    }
    return r;
}

void CorpusReader::problem(ProblemKind k, int64_t line, std::string msg) {
    m_problems.push_back({k, m_state && !m_state->file.empty() ? m_state->file : std::string(),
                          line, std::move(msg)});
    if (on_problem) on_problem(m_problems.back());
    if (m_opts.strict) m_strict_stop = true;
}

void CorpusReader::report(ProblemKind k, const std::string& file, int64_t line,
                          std::string message) {
    m_problems.push_back({k, file, line, std::move(message)});
    if (on_problem) on_problem(m_problems.back());
    if (m_opts.strict) m_strict_stop = true;
}

double CorpusReader::progress() const {
    if (m_total_bytes == 0) return 0;
    uint64_t cur = m_done_bytes;
    if (m_state->src)
        cur += std::min<uint64_t>(m_state->src->file_position(), m_sizes[m_file_index - 1]);
    return std::min(1.0, double(cur) / double(m_total_bytes));
}

std::map<ProblemKind, int64_t> CorpusReader::problem_counts() const {
    std::map<ProblemKind, int64_t> c;
    for (const auto& p : m_problems)
        ++c[p.kind];
    return c;
}

void CorpusReader::flush_index() {
    if (m_state->src && on_file_indexed && !m_state->src->access_points().empty())
        on_file_indexed(m_state->file, m_state->src->access_points());
}

bool CorpusReader::next(Sample* out) {
    while (!m_strict_stop) {
        if (m_state->src || m_state->whole_files) {
            if (next_in_file(out)) {
                const uint64_t h = XXH3_64bits(out->id.data(), out->id.size());
                if (!m_seen_ids.insert(h).second) {
                    problem(ProblemKind::DuplicateId, out->loc.line,
                            "duplicate id '" + out->id + "'");
                    continue;
                }
                ++m_samples;
                return true;
            }
            flush_index();
            m_state->src.reset();
            m_state->whole_files = false;
            m_done_bytes += m_sizes[m_file_index - 1];
            continue;
        }
        if (m_file_index >= m_files.size()) return false;
        const std::string f = m_files[m_file_index++];
        m_state->file = f;
        m_state->shard = shard_name(f);
        m_state->last_line = 0;
        if (on_file && !on_file(f)) {
            m_done_bytes += m_sizes[m_file_index - 1];
            continue;
        }
        if (is_jsonl(f)) {
            std::string err;
            m_state->src = LineSource::open(f, m_opts.max_line_bytes, &err, index_spacing);
            if (!m_state->src) problem(ProblemKind::Unreadable, 0, err);
        } else {
            m_state->whole_files = true;
        }
    }
    return false;
}

bool CorpusReader::next_in_file(Sample* out) {
    State& st = *m_state;
    if (st.whole_files) {
        st.whole_files = false; // one sample per file
        std::ifstream in(st.file, std::ios::binary);
        if (!in) {
            problem(ProblemKind::Unreadable, 0, "cannot read");
            return false;
        }
        std::error_code ec;
        const uintmax_t bytes = fs::file_size(st.file, ec);
        if (!ec && bytes > m_opts.max_line_bytes) {
            problem(ProblemKind::LineTooLong, 0,
                    "file of " + std::to_string(bytes) + " bytes exceeds the " +
                        std::to_string(m_opts.max_line_bytes) + "-byte limit");
            return false;
        }
        std::string text;
        try {
            std::stringstream ss;
            ss << in.rdbuf();
            text = ss.str();
        } catch (const std::bad_alloc&) {
            problem(ProblemKind::LineTooLong, 0,
                    "file of " + std::to_string(bytes) + " bytes does not fit in memory");
            return false;
        }
        if (text.empty()) {
            problem(ProblemKind::EmptyText, 0, "empty file");
            return false;
        }
        if (!utf8::is_valid(text)) {
            problem(ProblemKind::InvalidUtf8, 0, "file is not valid UTF-8");
            return false;
        }
        out->text = std::move(text);
        out->input_ids.clear();
        out->pretokenized = false;
        out->id = st.file;
        // domain: the top folder under the input, else the extension
        const fs::path p(st.file);
        const std::string parent = p.parent_path().filename().string();
        out->domain = !p.extension().empty() ? p.extension().string().substr(1)
                                             : (parent.empty() ? "text" : parent);
        out->loc = {st.file, 0, 0, uint64_t(out->text.size())};
        out->text_hash = XXH3_64bits(out->text.data(), out->text.size());
        out->chars = utf8::CharIndex(out->text).size();
        return true;
    }
    Line line;
    while (st.src->next(&line)) {
        st.last_line = line.number;
        if (line.too_long) {
            problem(
                ProblemKind::LineTooLong, line.number,
                "record of " + std::to_string(line.length) + " bytes " +
                    (line.out_of_memory
                         ? std::string("does not fit in memory")
                         : "exceeds the " + std::to_string(m_opts.max_line_bytes) + "-byte limit"));
            if (m_strict_stop) return false;
            continue;
        }
        if (line.text.empty()) continue; // blank lines are not records
        ProblemKind kind;
        std::string msg;
        if (!parse_record(line.text, m_opts, st.shard, out, &kind, &msg)) {
            problem(kind, line.number, msg);
            if (m_strict_stop) return false;
            continue;
        }
        if (out->id.empty()) out->id = st.file + ":" + std::to_string(line.number);
        out->loc = {st.file, line.number, line.offset, line.length};
        return true;
    }
    // The damage is in the line after the last one read whole.
    if (!st.src->error().empty())
        problem(ProblemKind::Truncated, st.last_line + 1, st.src->error());
    return false;
}

bool CorpusReader::raw_at(const SampleLocation& loc, const CorpusOptions& o, std::string* out,
                          std::string* error, const std::vector<AccessPoint>* points) {
    if (loc.line == 0) {
        std::ifstream in(loc.file, std::ios::binary);
        if (!in) {
            *error = loc.file + ": cannot read";
            return false;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        *out = ss.str();
        return true;
    }
    auto src =
        LineSource::open(loc.file, std::max<uint64_t>(o.max_line_bytes, loc.length + 1), error);
    if (!src) return false;
    Line line;
    if (!src->seek(loc.offset, loc.line, points) || !src->next(&line)) {
        *error = loc.file + ":" + std::to_string(loc.line) + ": cannot read the record back" +
                 (src->error().empty() ? "" : ": " + src->error());
        return false;
    }
    *out = std::move(line.text);
    return true;
}

bool CorpusReader::read_at(const SampleLocation& loc, const CorpusOptions& o, Sample* out,
                           std::string* error, const std::vector<AccessPoint>* points) {
    std::string raw;
    if (!raw_at(loc, o, &raw, error, points)) return false;
    if (loc.line == 0) {
        out->text = std::move(raw);
        out->loc = loc;
        return true;
    }
    ProblemKind kind;
    std::string msg;
    if (!parse_record(raw, o, shard_name(loc.file), out, &kind, &msg)) {
        *error = loc.file + ":" + std::to_string(loc.line) + ": " + msg;
        return false;
    }
    if (out->id.empty()) out->id = loc.file + ":" + std::to_string(loc.line);
    out->loc = loc;
    return true;
}

} // namespace ladm
