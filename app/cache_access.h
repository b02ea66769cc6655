// Opening the cache and choosing the run for the read-side commands.
#pragma once

#include "core/curate/recipe.h"
#include "core/store/cache.h"

#include <iostream>
#include <optional>
#include <string>

namespace ladm::cli {

// Opens DB and resolves --run (default: the newest run). Prints the error and returns
// nullptr on failure.
inline std::unique_ptr<Cache> open_cache_run(const std::string& cmd, const std::string& path,
                                             const std::optional<std::string>& run_arg,
                                             int64_t* run) {
    std::string err;
    auto cache = Cache::open(path, &err);
    if (!cache) {
        std::cerr << "ladm " << cmd << ": " << err << "\n";
        return nullptr;
    }
    *run = run_arg ? std::atoll(run_arg->c_str()) : cache->latest_run();
    if (*run <= 0) {
        std::cerr << "ladm " << cmd << ": " << path
                  << " holds no scoring run (run ladm score first)\n";
        return nullptr;
    }
    return cache;
}

} // namespace ladm::cli
