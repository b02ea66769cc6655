// Read-only, memory-mapped safetensors file.
// Layout: 8-byte little-endian header length N, N bytes of JSON
// (name -> {dtype, shape, data_offsets: [begin, end]} relative to the end of the header,
// optional "__metadata__"), then raw little-endian tensor data.
// Every offset, dtype and shape is validated against the file size when the file is
// opened, before any tensor data is touched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ladm {

enum class DType { F32, F16, BF16 };
const char* dtype_name(DType d);
size_t dtype_size(DType d);

struct TensorView {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    const uint8_t* data = nullptr; // into the mapping; valid while the file is open
    size_t nbytes = 0;

    int64_t numel() const;
};

class SafetensorsFile {
  public:
    // Opens and validates; on failure returns nullptr and sets *error to a message that
    // names the file (and the tensor, when one is at fault).
    static std::unique_ptr<SafetensorsFile> open(const std::string& path, std::string* error);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::string& path() const { return m_path; }
    const std::map<std::string, TensorView>& tensors() const { return m_tensors; }
    const TensorView* find(const std::string& name) const;
    // The raw JSON header bytes (used for the model fingerprint).
    const std::string& header() const { return m_header; }

  private:
    SafetensorsFile() = default;
    std::string m_path;
    std::string m_header;
    std::map<std::string, TensorView> m_tensors;
    void* m_map = nullptr;
    size_t m_size = 0;
};

} // namespace ladm
