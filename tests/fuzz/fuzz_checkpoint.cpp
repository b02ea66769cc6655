// A checkpoint folder: the input is split at the first 0 byte into config.json and
// model.safetensors.index.json, beside two small real shards. Covers config validation,
// the index (paths that must stay inside the folder) and the tensor lookup.
#include "core/model/checkpoint.h"
#include "tests/fuzz/fuzz_common.h"

#include <cstring>

namespace {
// Two one-tensor shards, written once.
void write_shards(const std::string& dir) {
    static bool done = false;
    if (done) return;
    done = true;
    for (const char* name : {"a.safetensors", "b.safetensors"}) {
        const std::string header = std::string(R"({"t_)") + name[0] +
                                   R"(":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
        std::string bytes(8, '\0');
        for (int i = 0; i < 8; ++i)
            bytes[size_t(i)] = char((uint64_t(header.size()) >> (8 * i)) & 0xff);
        bytes += header + std::string(8, '\0');
        std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string dir = ladm::fuzz::scratch_dir() + "/ck";
    std::filesystem::create_directories(dir);
    write_shards(dir);
    const auto* zero = static_cast<const uint8_t*>(std::memchr(data, 0, size));
    const size_t cfg_len = zero ? size_t(zero - data) : size;
    std::ofstream(dir + "/config.json", std::ios::binary)
        .write(reinterpret_cast<const char*>(data), std::streamsize(cfg_len));
    const std::string index = dir + "/model.safetensors.index.json";
    if (zero)
        std::ofstream(index, std::ios::binary)
            .write(reinterpret_cast<const char*>(zero + 1), std::streamsize(size - cfg_len - 1));
    else
        std::filesystem::remove(index);
    std::string error;
    auto ck = ladm::Checkpoint::open(dir, &error);
    if (!ck) {
        if (error.empty()) std::abort();
        return 0;
    }
    if (!ck->config().invalid_value().empty()) std::abort(); // validated on the way in
    for (const char* t : {"t_a", "t_b", "model.norm.weight"})
        if (const auto* v = ck->find(t)) (void)v->numel();
    (void)ck->layers_in_files();
    return 0;
}
