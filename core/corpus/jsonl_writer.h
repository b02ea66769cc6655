// Writes lines to .jsonl, .jsonl.gz or .jsonl.zst (compression from the extension).
// Every write error (disk full included) is reported with the file name.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace ladm {

class JsonlWriter {
  public:
    static std::unique_ptr<JsonlWriter> open(const std::string& path, std::string* error);
    virtual ~JsonlWriter() = default;
    virtual bool write_line(std::string_view line) = 0; // appends '\n'
    virtual bool close() = 0;                           // flushes; false on error
    const std::string& error() const { return m_error; }
    const std::string& path() const { return m_path; }

  protected:
    std::string m_path, m_error;
};

} // namespace ladm
