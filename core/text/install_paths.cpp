#include "core/text/install_paths.h"

#include <filesystem>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace ladm {

std::string executable_dir() {
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return {};
    return fs::path(std::string(buf, size_t(n))).parent_path().string();
}

std::string bundled_calculator_dir() {
    std::vector<fs::path> candidates;
    if (const std::string exe = executable_dir(); !exe.empty())
        candidates.push_back(fs::path(exe) / ".." / "share" / "ladm-studio" / "calculator");
#ifdef LADM_SOURCE_DIR
    candidates.push_back(fs::path(LADM_SOURCE_DIR) / "resources" / "calculator");
#endif
    for (const auto& d : candidates) {
        std::error_code ec;
        if (fs::exists(d / "config.json", ec)) return fs::weakly_canonical(d, ec).string();
    }
    return {};
}

} // namespace ladm
