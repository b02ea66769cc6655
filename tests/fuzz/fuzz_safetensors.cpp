// safetensors header validation: any bytes as model.safetensors. Every tensor that opens
// must lie inside the file with the bytes its shape and dtype need.
#include "core/model/safetensors.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = ladm::fuzz::write_input("model.safetensors", data, size);
    std::string error;
    auto f = ladm::SafetensorsFile::open(path, &error);
    if (!f) {
        if (error.empty()) std::abort(); // a failure always says why
        return 0;
    }
    for (const auto& [name, v] : f->tensors()) {
        const size_t need = size_t(v.numel()) * ladm::dtype_size(v.dtype);
        if (need != v.nbytes || (v.nbytes && !v.data)) std::abort();
        volatile uint8_t sink = 0;
        for (size_t i = 0; i < v.nbytes; i += 4096) // touch the mapped bytes
            sink = sink ^ v.data[i];
        (void)sink;
    }
    return 0;
}
