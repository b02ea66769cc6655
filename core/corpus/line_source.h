// Streaming line reader over .jsonl, .jsonl.gz and .jsonl.zst (compression from the
// extension), with the uncompressed byte offset of every line so a sample can be found
// again later. Memory does not grow with the file: lines longer than a limit are skipped
// without being held.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ladm {

// A place to resume decompression without reading from the start: for gzip a deflate
// block boundary (compressed byte offset, unused bits of the byte before it, and the 32 KiB
// of output before it, as in zlib's zran example); for zstd the start of a frame (no
// window: frames are independent). A single-frame .zst file has none after the start:
// a zstd frame cannot be entered in the middle (every block depends on the entropy tables
// and repeat offsets of the blocks before it).
struct AccessPoint {
    uint64_t out = 0; // uncompressed offset
    uint64_t in = 0;  // compressed byte offset
    int bits = 0;     // gzip: bits of the byte at in-1 that belong to the block
    std::string window;
};

struct Line {
    std::string text;           // without the trailing newline (and '\r')
    int64_t number = 0;         // 1-based
    uint64_t offset = 0;        // uncompressed byte offset of the line's first byte
    bool too_long = false;      // longer than the limit: text is empty
    bool out_of_memory = false; // too_long because holding it failed, not the limit
    uint64_t length = 0;        // bytes in the line (also when too long)
};

class LineSource {
  public:
    virtual ~LineSource() = default;
    // nullptr + *error when the file cannot be opened.
    // index_spacing > 0: while reading, record access points at least that many
    // uncompressed bytes apart (gzip every deflate block boundary past the spacing, zstd
    // every frame start past it).
    static std::unique_ptr<LineSource> open(const std::string& path, uint64_t max_line_bytes,
                                            std::string* error, uint64_t index_spacing = 0);
    // false at the end of the data or on an error (then error() is non-empty: truncated
    // or corrupt compressed data, read failure).
    virtual bool next(Line* line) = 0;
    const std::string& error() const { return m_error; }
    // Bytes of the file consumed so far (compressed bytes for .gz/.zst), for progress.
    virtual uint64_t file_position() const = 0;
    // Skips to an uncompressed offset: compressed data is decompressed from the nearest
    // access point at or before it (from the start when there is none).
    virtual bool seek(uint64_t offset, int64_t line_number,
                      const std::vector<AccessPoint>* points = nullptr) = 0;
    // The access points recorded so far (see open()).
    virtual const std::vector<AccessPoint>& access_points() const = 0;

  protected:
    std::string m_error;
};

enum class Compression { None, Gzip, Zstd };
Compression compression_of(const std::string& path);

} // namespace ladm
