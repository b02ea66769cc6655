// Corpus input: JSONL shards (.jsonl, .jsonl.gz, .jsonl.zst) given as files, directories or
// globs, or directories of plain text / code files (one file = one sample). Streaming:
// memory does not grow with the corpus. Bad input never stops a read and is never silent:
// every problem is reported with file:line, counted and skipped (unless strict).
//
//   ladm::CorpusOptions o;                     // text, id, meta.pile_set_name
//   auto r = ladm::CorpusReader::open({"shards/"}, o, &err);
//   ladm::Sample s;
//   while (r->next(&s)) use(s);
//   for (auto& p : r->problems()) report(p);
#pragma once

#include "core/corpus/line_source.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace ladm {

struct CorpusOptions {
    std::string text_key = "text";
    std::string id_key = "id";
    std::string domain_path = "meta.pile_set_name"; // dotted; then meta.source, source, shard name
    uint64_t max_line_bytes = uint64_t(64) << 20;   // longer records are reported and skipped
    bool strict = false;                            // the first problem ends the read
};

struct SampleLocation {
    std::string file;
    int64_t line = 0;    // 1-based; 0 for whole-file samples
    uint64_t offset = 0; // uncompressed byte offset of the record
    uint64_t length = 0; // bytes of the record
};

struct Sample {
    std::string id;
    std::string domain;
    std::string text;               // empty when pre-tokenised
    std::vector<int32_t> input_ids; // set when the record carries input_ids
    bool pretokenized = false;
    SampleLocation loc;
    uint64_t text_hash = 0; // XXH3-64 of the text (or of the ids)
    int64_t chars = 0;      // code points
};

enum class ProblemKind {
    MalformedJson,
    NotAnObject,
    MissingText,
    NonStringText,
    InvalidUtf8,
    EmptyText,
    LineTooLong,
    BadInputIds,
    DuplicateId,
    Truncated,
    Unreadable,
};
const char* problem_name(ProblemKind k);

struct Problem {
    ProblemKind kind;
    std::string file;
    int64_t line = 0; // 0 = the file as a whole
    std::string message;
    std::string where() const { return line ? file + ":" + std::to_string(line) : file; }
};

class CorpusReader {
  public:
    // Expands files, directories (recursively) and globs. Fails only when nothing matches.
    static std::unique_ptr<CorpusReader> open(const std::vector<std::string>& inputs,
                                              const CorpusOptions& o, std::string* error);
    ~CorpusReader();

    // Next good sample; false at the end (or at the first problem when strict).
    bool next(Sample* out);

    const std::vector<std::string>& files() const { return m_files; }
    const std::vector<Problem>& problems() const { return m_problems; }
    std::map<ProblemKind, int64_t> problem_counts() const;
    int64_t samples_read() const { return m_samples; }
    bool stopped_by_strict() const { return m_strict_stop; }
    // Called for every problem as it happens (e.g. to print it).
    std::function<void(const Problem&)> on_problem;
    // Called when a file is about to be read; return false to skip it.
    std::function<bool(const std::string&)> on_file;
    // Called when a compressed file has been read to its end (or the reading stopped),
    // with the access points recorded on the way (see LineSource), so that samples can
    // later be read back without decompressing from the start. Set index_spacing first.
    std::function<void(const std::string&, const std::vector<AccessPoint>&)> on_file_indexed;
    uint64_t index_spacing = 0; // uncompressed bytes between access points; 0 = none
    // Hands over the access points of the file being read (for a run that stops early).
    void flush_index();
    // Records a problem found outside the reader (e.g. a file that cannot be stat'ed).
    void report(ProblemKind k, const std::string& file, int64_t line, std::string message);
    // Fraction of the input bytes consumed (by file sizes; compressed bytes for .gz/.zst).
    double progress() const;

    // Reads one sample back from its location (for viewing and export); with the file's
    // access points, compressed files are entered at the nearest one before the sample.
    static bool read_at(const SampleLocation& loc, const CorpusOptions& o, Sample* out,
                        std::string* error, const std::vector<AccessPoint>* points = nullptr);
    // The raw record (the JSONL line, or the whole file) at a location.
    static bool raw_at(const SampleLocation& loc, const CorpusOptions& o, std::string* out,
                       std::string* error, const std::vector<AccessPoint>* points = nullptr);

  private:
    CorpusReader() = default;
    bool next_in_file(Sample* out);
    void problem(ProblemKind k, int64_t line, std::string msg);

    struct State;
    std::unique_ptr<State> m_state;
    CorpusOptions m_opts;
    std::vector<std::string> m_files;
    size_t m_file_index = 0;
    std::vector<uint64_t> m_sizes; // per file
    uint64_t m_total_bytes = 0, m_done_bytes = 0;
    std::vector<Problem> m_problems;
    std::unordered_set<uint64_t> m_seen_ids; // 8 bytes per sample
    int64_t m_samples = 0;
    bool m_strict_stop = false;
};

// Parses one JSONL record into a sample (no location); false + kind/message when bad.
bool parse_record(const std::string& line, const CorpusOptions& o, const std::string& shard_name,
                  Sample* out, ProblemKind* kind, std::string* message);

} // namespace ladm
