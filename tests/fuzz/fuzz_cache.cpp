// The score cache opened on a damaged file: any bytes as the SQLite database. It opens with
// a clear error or answers every query without crashing.
#include "core/store/cache.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = ladm::fuzz::write_input("cache.db", data, size);
    std::filesystem::remove(path + "-wal");
    std::filesystem::remove(path + "-shm");
    std::string error;
    auto cache = ladm::Cache::open(path, &error);
    if (!cache) {
        if (error.empty()) std::abort();
        return 0;
    }
    std::string detail;
    (void)cache->integrity_ok(&detail);
    for (const auto& run : cache->runs()) {
        for (const auto& r : cache->results(run.id)) {
            (void)cache->result(run.id, r.sample_id);
            (void)cache->access_points(r.loc.file);
        }
        (void)cache->find_sample(run.id, "doc1");
    }
    std::vector<int64_t> kept;
    std::string recipe;
    (void)cache->load_selection("default", &kept, &recipe, &error);
    return 0;
}
