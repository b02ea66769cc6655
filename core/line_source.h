// Streaming line reader over .jsonl, .jsonl.gz and .jsonl.zst (compression from the
// extension), with the uncompressed byte offset of every line so a sample can be found
// again later. Memory does not grow with the file: lines longer than a limit are skipped
// without being held.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace ladm {

struct Line {
    std::string text;      // without the trailing newline (and '\r')
    int64_t number = 0;    // 1-based
    uint64_t offset = 0;   // uncompressed byte offset of the line's first byte
    bool too_long = false; // longer than the limit: text is empty
    uint64_t length = 0;   // bytes in the line (also when too long)
};

class LineSource {
  public:
    virtual ~LineSource() = default;
    // nullptr + *error when the file cannot be opened.
    static std::unique_ptr<LineSource> open(const std::string& path, uint64_t max_line_bytes,
                                            std::string* error);
    // false at the end of the data or on an error (then error() is non-empty: truncated
    // or corrupt compressed data, read failure).
    virtual bool next(Line* line) = 0;
    const std::string& error() const { return m_error; }
    // Bytes of the file consumed so far (compressed bytes for .gz/.zst), for progress.
    virtual uint64_t file_position() const = 0;
    // Skips to an uncompressed offset (re-reading compressed data from the start).
    virtual bool seek(uint64_t offset, int64_t line_number) = 0;

  protected:
    std::string m_error;
};

enum class Compression { None, Gzip, Zstd };
Compression compression_of(const std::string& path);

} // namespace ladm
