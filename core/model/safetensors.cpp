#include "core/model/safetensors.h"

#include <cstring>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ladm {

const char* dtype_name(DType d) {
    switch (d) {
    case DType::F16:
        return "F16";
    case DType::BF16:
        return "BF16";
    default:
        return "F32";
    }
}

size_t dtype_size(DType d) {
    return d == DType::F32 ? 4 : 2;
}

int64_t TensorView::numel() const {
    // Validated when the file was opened: the product fits the file (no dimension is
    // multiplied past it unless another is 0).
    int64_t n = 1;
    for (int64_t s : shape)
        if (s == 0) return 0;
    for (int64_t s : shape)
        n *= s;
    return n;
}

namespace {
struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};
} // namespace

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path,
                                                       std::string* error) {
    auto fail = [&](const std::string& msg) {
        *error = path + ": " + msg;
        return nullptr;
    };
    Fd f;
    f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (f.fd < 0) return fail(std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) return fail(std::string("cannot stat: ") + std::strerror(errno));
    const uint64_t size = uint64_t(st.st_size);
    if (size < 8)
        return fail("truncated: file is " + std::to_string(size) +
                    " bytes, shorter than the 8-byte header length");

    std::unique_ptr<SafetensorsFile> file(new SafetensorsFile);
    file->m_path = path;
    file->m_size = size_t(size);
    void* map = ::mmap(nullptr, file->m_size, PROT_READ, MAP_PRIVATE, f.fd, 0);
    if (map == MAP_FAILED) return fail(std::string("cannot map: ") + std::strerror(errno));
    file->m_map = map;
    const auto* bytes = static_cast<const uint8_t*>(map);

    uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | bytes[i];
    if (n > size - 8)
        return fail("truncated: header length " + std::to_string(n) + " exceeds the " +
                    std::to_string(size - 8) + " bytes after the length field");
    file->m_header.assign(reinterpret_cast<const char*>(bytes + 8), size_t(n));
    const uint64_t data_begin = 8 + n;
    const uint64_t data_size = size - data_begin;

    nlohmann::json header;
    try {
        header = nlohmann::json::parse(file->m_header);
    } catch (const std::exception& e) {
        return fail(std::string("header is not valid JSON: ") + e.what());
    }
    if (!header.is_object()) return fail("header is not a JSON object");

    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string& name = it.key();
        if (name == "__metadata__") continue;
        const auto& e = it.value();
        auto tfail = [&](const std::string& msg) { return fail("tensor '" + name + "': " + msg); };
        if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") ||
            !e.contains("data_offsets"))
            return tfail("entry needs dtype, shape and data_offsets");
        TensorView v;
        v.name = name;
        const auto& dt = e["dtype"];
        if (!dt.is_string()) return tfail("dtype is not a string");
        const std::string d = dt.get<std::string>();
        if (d == "F32")
            v.dtype = DType::F32;
        else if (d == "F16")
            v.dtype = DType::F16;
        else if (d == "BF16")
            v.dtype = DType::BF16;
        else
            return tfail("unsupported dtype " + d + " (supported: F32, F16, BF16)");
        if (!e["shape"].is_array()) return tfail("shape is not an array");
        uint64_t numel = 1;
        bool overflow = false, zero = false;
        for (const auto& s : e["shape"]) {
            if (!s.is_number_integer() || s.get<int64_t>() < 0)
                return tfail("shape has a non-integer or negative dimension");
            v.shape.push_back(s.get<int64_t>());
            zero = zero || s.get<int64_t>() == 0;
            overflow =
                overflow || __builtin_mul_overflow(numel, uint64_t(s.get<int64_t>()), &numel);
        }
        uint64_t need = 0;
        if (zero)
            numel = 0;
        else if (overflow || __builtin_mul_overflow(numel, uint64_t(dtype_size(v.dtype)), &need))
            return tfail("shape " + e["shape"].dump() + " has more elements than 64 bits count");
        const auto& off = e["data_offsets"];
        if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
            !off[1].is_number_unsigned())
            return tfail("data_offsets must be two non-negative integers");
        const uint64_t b = off[0].get<uint64_t>(), en = off[1].get<uint64_t>();
        if (b > en) return tfail("data_offsets begin > end");
        if (en > data_size)
            return tfail("data_offsets [" + std::to_string(b) + ", " + std::to_string(en) +
                         ") run past the end of the data (" + std::to_string(data_size) +
                         " bytes; file truncated?)");
        if (en - b != numel * dtype_size(v.dtype))
            return tfail("data_offsets span " + std::to_string(en - b) + " bytes but shape and " +
                         d + " need " + std::to_string(numel * dtype_size(v.dtype)));
        v.data = bytes + data_begin + b;
        v.nbytes = size_t(en - b);
        file->m_tensors.emplace(name, std::move(v));
    }
    return file;
}

SafetensorsFile::~SafetensorsFile() {
    if (m_map) ::munmap(m_map, m_size);
}

const TensorView* SafetensorsFile::find(const std::string& name) const {
    auto it = m_tensors.find(name);
    return it == m_tensors.end() ? nullptr : &it->second;
}

} // namespace ladm
