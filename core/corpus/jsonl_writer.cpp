#include "core/corpus/jsonl_writer.h"

#include "core/corpus/line_source.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>
#include <zlib.h>
#include <zstd.h>

namespace ladm {

namespace {

class PlainWriter : public JsonlWriter {
  public:
    PlainWriter(FILE* f, const std::string& p)
        : m_f(f) {
        m_path = p;
    }
    ~PlainWriter() override {
        if (m_f) std::fclose(m_f);
    }
    bool write_line(std::string_view l) override {
        if (std::fwrite(l.data(), 1, l.size(), m_f) != l.size() || std::fputc('\n', m_f) == EOF)
            return fail();
        return true;
    }
    bool close() override {
        if (!m_f) return m_error.empty();
        const bool ok = std::fflush(m_f) == 0 && std::fclose(m_f) == 0;
        m_f = nullptr;
        return ok ? true : fail();
    }

  protected:
    bool fail() {
        if (m_error.empty()) m_error = m_path + ": write failed: " + std::strerror(errno);
        return false;
    }
    FILE* m_f;
};

class GzWriter : public JsonlWriter {
  public:
    GzWriter(gzFile g, const std::string& p)
        : m_g(g) {
        m_path = p;
    }
    ~GzWriter() override {
        if (m_g) gzclose(m_g);
    }
    bool write_line(std::string_view l) override {
        if ((!l.empty() && gzwrite(m_g, l.data(), unsigned(l.size())) == 0) ||
            gzputc(m_g, '\n') == -1) {
            int e = 0;
            m_error = m_path + ": write failed: " + gzerror(m_g, &e);
            return false;
        }
        return true;
    }
    bool close() override {
        if (!m_g) return m_error.empty();
        const int rc = gzclose(m_g);
        m_g = nullptr;
        if (rc != Z_OK) m_error = m_path + ": write failed on close (disk full?)";
        return rc == Z_OK;
    }

  private:
    gzFile m_g;
};

class ZstWriter : public PlainWriter {
  public:
    ZstWriter(FILE* f, const std::string& p)
        : PlainWriter(f, p)
        , m_cs(ZSTD_createCStream())
        , m_out(ZSTD_CStreamOutSize()) {
        ZSTD_initCStream(m_cs, 3);
    }
    ~ZstWriter() override { ZSTD_freeCStream(m_cs); }
    // A new frame starts every kFrameBytes of input, at a line boundary: readers (ladm
    // and anyone else) can then start decompressing at any frame instead of the file's
    // start. Costs ~1% of compression.
    static constexpr size_t kFrameBytes = size_t(8) << 20;
    bool write_line(std::string_view l) override {
        if (!feed(l.data(), l.size()) || !feed("\n", 1)) return false;
        m_in_frame += l.size() + 1;
        if (m_in_frame >= kFrameBytes) {
            m_in_frame = 0;
            return end_frame();
        }
        return true;
    }
    bool close() override {
        if (!m_f) return m_error.empty();
        if (!end_frame()) return false;
        return PlainWriter::close();
    }

  private:
    bool end_frame() {
        size_t left = 0;
        do {
            ZSTD_outBuffer out{m_out.data(), m_out.size(), 0};
            left = ZSTD_endStream(m_cs, &out);
            if (ZSTD_isError(left) || std::fwrite(m_out.data(), 1, out.pos, m_f) != out.pos)
                return fail();
        } while (left > 0);
        ZSTD_initCStream(m_cs, 3);
        return true;
    }
    size_t m_in_frame = 0;
    bool feed(const char* d, size_t n) {
        ZSTD_inBuffer in{d, n, 0};
        while (in.pos < in.size) {
            ZSTD_outBuffer out{m_out.data(), m_out.size(), 0};
            if (ZSTD_isError(ZSTD_compressStream(m_cs, &out, &in))) return fail();
            if (std::fwrite(m_out.data(), 1, out.pos, m_f) != out.pos) return fail();
        }
        return true;
    }
    ZSTD_CStream* m_cs;
    std::vector<char> m_out;
};

} // namespace

std::unique_ptr<JsonlWriter> JsonlWriter::open(const std::string& path, std::string* error) {
    const Compression c = compression_of(path);
    if (c == Compression::Gzip) {
        gzFile g = gzopen(path.c_str(), "wb6");
        if (!g) {
            *error = path + ": cannot create: " + std::strerror(errno);
            return nullptr;
        }
        return std::make_unique<GzWriter>(g, path);
    }
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) {
        *error = path + ": cannot create: " + std::strerror(errno);
        return nullptr;
    }
    if (c == Compression::Zstd) return std::make_unique<ZstWriter>(f, path);
    return std::make_unique<PlainWriter>(f, path);
}

} // namespace ladm
