#include "core/line_source.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
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
    virtual uint64_t position() const = 0;
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
    bool seek_raw(uint64_t off) { return fseeko(m_f, off_t(off), SEEK_SET) == 0; }
    uint64_t position() const override { return uint64_t(ftello(m_f)); }

  private:
    FILE* m_f;
};

class GzipStream : public ByteStream {
  public:
    explicit GzipStream(gzFile g)
        : m_g(g) {}
    ~GzipStream() override { gzclose(m_g); }
    long read(char* buf, size_t n, std::string* error) override {
        const int got = gzread(m_g, buf, unsigned(n));
        int errnum = 0;
        const char* msg = gzerror(m_g, &errnum);
        if (got < 0 || (errnum != Z_OK && errnum != Z_STREAM_END)) {
            *error =
                std::string("corrupt or truncated gzip data: ") + (msg ? msg : "unknown error");
            return -1;
        }
        return got;
    }
    bool rewind(std::string*) override { return gzrewind(m_g) == 0; }
    uint64_t position() const override { return uint64_t(gzoffset(m_g)); }

  private:
    gzFile m_g;
};

class ZstdStream : public ByteStream {
  public:
    explicit ZstdStream(FILE* f)
        : m_f(f)
        , m_in(ZSTD_DStreamInSize())
        , m_ds(ZSTD_createDStream()) {
        ZSTD_initDStream(m_ds);
    }
    ~ZstdStream() override {
        ZSTD_freeDStream(m_ds);
        std::fclose(m_f);
    }
    long read(char* buf, size_t n, std::string* error) override {
        ZSTD_outBuffer out{buf, n, 0};
        while (out.pos == 0) {
            if (m_input.pos == m_input.size) {
                const size_t got = std::fread(m_in.data(), 1, m_in.size(), m_f);
                if (got == 0) {
                    if (std::ferror(m_f)) {
                        *error = std::string("read error: ") + std::strerror(errno);
                        return -1;
                    }
                    if (m_last != 0) {
                        *error = "truncated zstd data: the last frame is incomplete";
                        return -1;
                    }
                    return 0;
                }
                m_input = {m_in.data(), got, 0};
            }
            m_last = ZSTD_decompressStream(m_ds, &out, &m_input);
            if (ZSTD_isError(m_last)) {
                *error = std::string("corrupt zstd data: ") + ZSTD_getErrorName(m_last);
                return -1;
            }
        }
        return long(out.pos);
    }
    bool rewind(std::string*) override {
        std::rewind(m_f);
        ZSTD_initDStream(m_ds);
        m_input = {nullptr, 0, 0};
        m_last = 0;
        return true;
    }
    uint64_t position() const override { return uint64_t(ftello(m_f)); }

  private:
    FILE* m_f;
    std::vector<char> m_in;
    ZSTD_DStream* m_ds;
    ZSTD_inBuffer m_input{nullptr, 0, 0};
    size_t m_last = 0;
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
        line->too_long = false;
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
                if (line->text.size() + take > m_max) {
                    line->too_long = true;
                    line->text.clear();
                    line->text.shrink_to_fit();
                } else
                    line->text.append(start, take);
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

    bool seek(uint64_t offset, int64_t line_number) override {
        m_pos = m_len = 0;
        m_eof = false;
        if (m_plain) {
            if (!static_cast<PlainStream*>(m_s.get())->seek_raw(offset)) return false;
        } else {
            if (!m_s->rewind(&m_error)) return false;
            uint64_t left = offset;
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
                                             std::string* error) {
    const Compression c = compression_of(path);
    if (c == Compression::Gzip) {
        gzFile g = gzopen(path.c_str(), "rb");
        if (!g) {
            *error = path + ": cannot open: " + std::strerror(errno);
            return nullptr;
        }
        gzbuffer(g, 1 << 20);
        return std::make_unique<LineReader>(std::make_unique<GzipStream>(g), max_line, false);
    }
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        *error = path + ": cannot open: " + std::strerror(errno);
        return nullptr;
    }
    if (c == Compression::Zstd)
        return std::make_unique<LineReader>(std::make_unique<ZstdStream>(f), max_line, false);
    return std::make_unique<LineReader>(std::make_unique<PlainStream>(f), max_line, true);
}

} // namespace ladm
