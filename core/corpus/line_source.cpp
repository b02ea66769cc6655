#include "core/corpus/line_source.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>
#include <zlib.h>
#include <zstd.h>

namespace ladm {

Compression compression_of(const std::string& path) {
    auto ends = [&](const char* s) {
        const size_t n = std::strlen(s);
        return path.size() >= n && path.compare(path.size() - n, n, s) == 0;
    };
    if (ends(".gz")) return Compression::Gzip;
    if (ends(".zst") || ends(".zstd")) return Compression::Zstd;
    return Compression::None;
}

namespace {

// Decompressed byte stream; LineReader splits it into lines.
class ByteStream {
  public:
    virtual ~ByteStream() = default;
    // Fills buf; returns bytes read, 0 at the end, -1 on error (message in *error).
    virtual long read(char* buf, size_t n, std::string* error) = 0;
    virtual bool rewind(std::string* error) = 0;
    // Continues decompressing at an access point this stream type recorded.
    virtual bool resume(const AccessPoint& p, std::string* error) = 0;
    virtual uint64_t position() const = 0;
    const std::vector<AccessPoint>& points() const { return m_points; }

  protected:
    std::vector<AccessPoint> m_points;
};

class PlainStream : public ByteStream {
  public:
    explicit PlainStream(FILE* f)
        : m_f(f) {}
    ~PlainStream() override { std::fclose(m_f); }
    long read(char* buf, size_t n, std::string* error) override {
        const size_t got = std::fread(buf, 1, n, m_f);
        if (got == 0 && std::ferror(m_f)) {
            *error = std::string("read error: ") + std::strerror(errno);
            return -1;
        }
        return long(got);
    }
    bool rewind(std::string*) override {
        std::rewind(m_f);
        return true;
    }
    bool resume(const AccessPoint& p, std::string*) override { return seek_raw(p.out); }
    bool seek_raw(uint64_t off) { return fseeko(m_f, off_t(off), SEEK_SET) == 0; }
    uint64_t position() const override { return uint64_t(ftello(m_f)); }

  private:
    FILE* m_f;
};

// Compressed input read in large chunks, with the file offset of what has been consumed.
struct InputBuffer {
    FILE* f = nullptr;
    std::vector<unsigned char> data = std::vector<unsigned char>(size_t(1) << 20);
    uint64_t base = 0; // file offset of data[0]
    size_t pos = 0, len = 0;

    uint64_t consumed() const { return base + pos; }
    // false at the end of the file; -1 style errors through *error.
    bool fill(std::string* error) {
        base += len;
        pos = 0;
        len = std::fread(data.data(), 1, data.size(), f);
        if (len == 0 && std::ferror(f)) {
            *error = std::string("read error: ") + std::strerror(errno);
            return false;
        }
        return len > 0;
    }
    bool seek(uint64_t off) {
        if (fseeko(f, off_t(off), SEEK_SET) != 0) return false;
        base = off;
        pos = len = 0;
        return true;
    }
};

// gzip (one or more members) with zlib's inflate. With index spacing, inflate stops at
// every deflate block boundary (Z_BLOCK) so access points can be recorded there.
class GzipStream : public ByteStream {
  public:
    static constexpr size_t kWindow = 32768;
    GzipStream(FILE* f, uint64_t spacing)
        : m_spacing(spacing) {
        m_in.f = f;
        inflateInit2(&m_z, 15 + 32); // gzip or zlib header
    }
    ~GzipStream() override {
        inflateEnd(&m_z);
        std::fclose(m_in.f);
    }
    long read(char* buf, size_t n, std::string* error) override {
        if (!m_pending.empty()) { // an error met after the data returned by the last call
            *error = m_pending;
            return -1;
        }
        m_z.next_out = reinterpret_cast<Bytef*>(buf);
        m_z.avail_out = unsigned(n);
        // What was decompressed before a truncation or corruption is returned first (every
        // complete record before the damage is read); the error comes with the next call.
        auto fail = [&](const std::string& e) -> long {
            const size_t produced = n - m_z.avail_out;
            if (produced == 0) {
                *error = e;
                return -1;
            }
            m_pending = e;
            remember(buf, produced);
            m_out += produced;
            return long(produced);
        };
        while (m_z.avail_out > 0 && !m_end) {
            if (m_in.pos == m_in.len) {
                std::string read_error;
                const bool got = m_in.fill(&read_error);
                if (!got) {
                    if (!read_error.empty()) return fail(read_error);
                    if (!m_between_members)
                        return fail(
                            "truncated gzip data: the file ends inside a compressed member");
                    m_end = true;
                    break;
                }
            }
            if (m_between_members) {
                if (m_skip > 0) { // the 8-byte trailer after a member resumed in raw mode
                    const size_t k = std::min(m_skip, m_in.len - m_in.pos);
                    m_in.pos += k;
                    m_skip -= k;
                    continue;
                }
                // another member follows only if it starts with the gzip magic; anything
                // else (padding) ends the data, as gzip(1) treats it
                if (m_in.data[m_in.pos] != 0x1f) {
                    m_end = true;
                    break;
                }
                inflateReset2(&m_z, 15 + 32);
                m_between_members = false;
            }
            m_z.next_in = m_in.data.data() + m_in.pos;
            m_z.avail_in = unsigned(m_in.len - m_in.pos);
            const int ret = inflate(&m_z, m_spacing ? Z_BLOCK : Z_NO_FLUSH);
            m_in.pos = m_in.len - m_z.avail_in;
            if (ret == Z_NEED_DICT || ret == Z_DATA_ERROR || ret == Z_MEM_ERROR ||
                ret == Z_STREAM_ERROR)
                return fail(std::string("corrupt gzip data: ") +
                            (m_z.msg ? m_z.msg : "inflate failed"));
            const uint64_t out_now = m_out + uint64_t(reinterpret_cast<char*>(m_z.next_out) - buf);
            if (ret == Z_STREAM_END) {
                m_between_members = true;
                m_skip = m_raw ? 8 : 0;
                m_raw = false;
            } else if (m_spacing && (m_z.data_type & 128) && !(m_z.data_type & 64) &&
                       out_now >= m_last_point + m_spacing) {
                record(buf, out_now);
            }
        }
        const size_t produced = n - m_z.avail_out;
        remember(buf, produced);
        m_out += produced;
        return long(produced);
    }
    bool rewind(std::string* error) override {
        if (!m_in.seek(0)) {
            *error = std::string("seek failed: ") + std::strerror(errno);
            return false;
        }
        inflateReset2(&m_z, 15 + 32);
        reset_state(0);
        return true;
    }
    bool resume(const AccessPoint& p, std::string* error) override {
        if (!m_in.seek(p.in - (p.bits ? 1 : 0)) || (m_in.fill(error), m_in.len == 0)) {
            if (error->empty()) *error = "access point beyond the end of the file";
            return false;
        }
        inflateReset2(&m_z, -15); // raw deflate from a block boundary
        if (p.bits) {
            const int c = m_in.data[m_in.pos++];
            inflatePrime(&m_z, p.bits, c >> (8 - p.bits));
        }
        if (!p.window.empty())
            inflateSetDictionary(&m_z, reinterpret_cast<const Bytef*>(p.window.data()),
                                 unsigned(p.window.size()));
        reset_state(p.out);
        m_raw = true;
        m_hist = p.window;
        return true;
    }
    uint64_t position() const override { return m_in.consumed(); }

  private:
    void reset_state(uint64_t out) {
        m_out = out;
        m_last_point = out;
        m_between_members = m_end = m_raw = false;
        m_skip = 0;
        m_hist.clear();
        m_pending.clear();
    }
    // keeps the last 32 KiB of output, the window an access point needs
    void remember(const char* buf, size_t n) {
        if (n >= kWindow) {
            m_hist.assign(buf + n - kWindow, kWindow);
            return;
        }
        m_hist.append(buf, n);
        if (m_hist.size() > kWindow) m_hist.erase(0, m_hist.size() - kWindow);
    }
    void record(const char* buf, uint64_t out_now) {
        AccessPoint p;
        p.out = out_now;
        p.in = m_in.consumed();
        p.bits = m_z.data_type & 7;
        const size_t here = size_t(out_now - m_out); // produced by this read() so far
        if (here >= kWindow) {
            p.window.assign(buf + here - kWindow, kWindow);
        } else {
            const size_t from_hist = std::min(m_hist.size(), kWindow - here);
            p.window.assign(m_hist, m_hist.size() - from_hist, from_hist);
            p.window.append(buf, here);
        }
        m_points.push_back(std::move(p));
        m_last_point = out_now;
    }

    InputBuffer m_in;
    z_stream m_z{};
    uint64_t m_spacing;
    uint64_t m_out = 0, m_last_point = 0;
    bool m_between_members = false, m_end = false, m_raw = false;
    size_t m_skip = 0;
    std::string m_hist;
    std::string m_pending; // error to report after the data already returned
};

// zstd, one or more frames. Frames are independent, so every frame start is an access
// point (recorded when at least the spacing past the previous one).
class ZstdStream : public ByteStream {
  public:
    ZstdStream(FILE* f, uint64_t spacing)
        : m_ds(ZSTD_createDStream())
        , m_spacing(spacing) {
        m_in.f = f;
        m_in.data.resize(ZSTD_DStreamInSize());
        ZSTD_initDStream(m_ds);
    }
    ~ZstdStream() override {
        ZSTD_freeDStream(m_ds);
        std::fclose(m_in.f);
    }
    long read(char* buf, size_t n, std::string* error) override {
        ZSTD_outBuffer out{buf, n, 0};
        while (out.pos == 0) {
            if (m_in.pos == m_in.len && !m_in.fill(error)) {
                if (!error->empty()) return -1;
                if (m_last != 0) {
                    *error = "truncated zstd data: the last frame is incomplete";
                    return -1;
                }
                if (!m_points.empty() && m_points.back().out == m_out)
                    m_points.pop_back(); // the end of the last frame is no place to enter
                return 0;
            }
            ZSTD_inBuffer in{m_in.data.data(), m_in.len, m_in.pos};
            m_last = ZSTD_decompressStream(m_ds, &out, &in);
            m_in.pos = in.pos;
            if (ZSTD_isError(m_last)) {
                *error = std::string("corrupt zstd data: ") + ZSTD_getErrorName(m_last);
                return -1;
            }
            if (m_last == 0 && m_spacing && m_out + out.pos >= m_last_point + m_spacing) {
                AccessPoint p; // the next frame starts here
                p.out = m_out + out.pos;
                p.in = m_in.consumed();
                m_points.push_back(p);
                m_last_point = p.out;
            }
        }
        m_out += out.pos;
        return long(out.pos);
    }
    bool rewind(std::string* error) override { return resume(AccessPoint{}, error); }
    bool resume(const AccessPoint& p, std::string* error) override {
        if (!m_in.seek(p.in)) {
            *error = std::string("seek failed: ") + std::strerror(errno);
            return false;
        }
        ZSTD_initDStream(m_ds);
        m_last = 0;
        m_out = m_last_point = p.out;
        return true;
    }
    uint64_t position() const override { return m_in.consumed(); }

  private:
    InputBuffer m_in;
    ZSTD_DStream* m_ds;
    uint64_t m_spacing;
    size_t m_last = 0;
    uint64_t m_out = 0, m_last_point = 0;
};

class LineReader final : public LineSource {
  public:
    LineReader(std::unique_ptr<ByteStream> s, uint64_t max_line, bool plain)
        : m_s(std::move(s))
        , m_max(max_line)
        , m_plain(plain)
        , m_buf(1 << 20) {}

    bool next(Line* line) override {
        line->text.clear();
        line->too_long = line->out_of_memory = false;
        line->offset = m_offset;
        line->length = 0;
        bool any = false;
        while (true) {
            if (m_pos == m_len) {
                if (m_eof) break;
                const long got = m_s->read(m_buf.data(), m_buf.size(), &m_error);
                if (got < 0) return false;
                if (got == 0) {
                    m_eof = true;
                    break;
                }
                m_pos = 0;
                m_len = size_t(got);
            }
            any = true;
            const char* start = m_buf.data() + m_pos;
            const void* nl = std::memchr(start, '\n', m_len - m_pos);
            const size_t take = nl ? size_t(static_cast<const char*>(nl) - start) : m_len - m_pos;
            line->length += take;
            if (!line->too_long) {
                bool drop = line->text.size() + take > m_max;
                if (!drop) {
                    try {
                        line->text.append(start, take);
                    } catch (const std::bad_alloc&) { // this record only: skip the rest of it
                        drop = line->out_of_memory = true;
                    }
                }
                if (drop) {
                    line->too_long = true;
                    line->text.clear();
                    line->text.shrink_to_fit();
                }
            }
            m_pos += take;
            m_offset += take;
            if (nl) {
                ++m_pos;
                ++m_offset;
                break;
            }
        }
        if (!any && m_eof) return false;
        if (!line->text.empty() && line->text.back() == '\r') line->text.pop_back();
        line->number = ++m_line;
        return true;
    }

    uint64_t file_position() const override { return m_s->position(); }

    const std::vector<AccessPoint>& access_points() const override { return m_s->points(); }

    bool seek(uint64_t offset, int64_t line_number,
              const std::vector<AccessPoint>* points) override {
        m_pos = m_len = 0;
        m_eof = false;
        if (m_plain) {
            if (!static_cast<PlainStream*>(m_s.get())->seek_raw(offset)) return false;
        } else {
            const AccessPoint* best = nullptr; // the last point at or before offset
            if (points)
                for (const auto& p : *points)
                    if (p.out <= offset && (!best || p.out > best->out)) best = &p;
            if (!(best ? m_s->resume(*best, &m_error) : m_s->rewind(&m_error))) return false;
            uint64_t left = offset - (best ? best->out : 0);
            while (left > 0) {
                const long got =
                    m_s->read(m_buf.data(), std::min<uint64_t>(left, m_buf.size()), &m_error);
                if (got <= 0) return false;
                left -= uint64_t(got);
            }
        }
        m_offset = offset;
        m_line = line_number - 1;
        return true;
    }

  private:
    std::unique_ptr<ByteStream> m_s;
    uint64_t m_max;
    bool m_plain;
    std::vector<char> m_buf;
    size_t m_pos = 0, m_len = 0;
    bool m_eof = false;
    uint64_t m_offset = 0;
    int64_t m_line = 0;
};

} // namespace

std::unique_ptr<LineSource> LineSource::open(const std::string& path, uint64_t max_line,
                                             std::string* error, uint64_t index_spacing) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        *error = path + ": cannot open: " + std::strerror(errno);
        return nullptr;
    }
    switch (compression_of(path)) {
    case Compression::Gzip:
        return std::make_unique<LineReader>(std::make_unique<GzipStream>(f, index_spacing),
                                            max_line, false);
    case Compression::Zstd:
        return std::make_unique<LineReader>(std::make_unique<ZstdStream>(f, index_spacing),
                                            max_line, false);
    case Compression::None:
        break;
    }
    return std::make_unique<LineReader>(std::make_unique<PlainStream>(f), max_line, true);
}

} // namespace ladm
