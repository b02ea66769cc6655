// Finds and opens libladm_sp_shim.so (see sp_shim.h for why it exists).
#include "core/text/install_paths.h"
#include "core/text/sp_shim.h"

#include <dlfcn.h>
#include <filesystem>
#include <mutex>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace ladm {

namespace {
std::vector<std::string> candidates() {
    std::vector<std::string> c;
    if (const char* env = std::getenv("LADM_SP_SHIM")) c.push_back(env);
    if (const std::string exe = executable_dir(); !exe.empty()) {
        const fs::path exe_dir(exe);
        c.push_back((exe_dir / "libladm_sp_shim.so").string());
        c.push_back((exe_dir / ".." / "lib" / "ladm-studio" / "libladm_sp_shim.so").string());
    }
#ifdef LADM_SP_SHIM_BUILD_PATH
    c.push_back(LADM_SP_SHIM_BUILD_PATH);
#endif
    c.push_back("/usr/lib/ladm-studio/libladm_sp_shim.so");
    return c;
}
} // namespace

const ladm_sp_api* sentencepiece_api(std::string* error) {
    static std::once_flag once;
    static const ladm_sp_api* api = nullptr;
    static std::string load_error;
    std::call_once(once, [] {
        std::string tried;
        for (const auto& path : candidates()) {
            std::error_code ec;
            if (!fs::exists(path, ec)) {
                tried += " " + path;
                continue;
            }
#ifdef LADM_SP_NO_DEEPBIND // sanitizer builds (fuzzing): no libtorch, no protobuf clash
            void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
#else
            void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
#endif
            if (!h) {
                load_error = path + ": " + ::dlerror();
                return;
            }
            auto get = reinterpret_cast<const ladm_sp_api* (*)()>(::dlsym(h, "ladm_sp_get_api"));
            if (!get) {
                load_error = path + ": no ladm_sp_get_api";
                return;
            }
            api = get();
            return;
        }
        load_error =
            "SentencePiece support library libladm_sp_shim.so not found (looked at" + tried + ")";
    });
    if (!api && error) *error = load_error;
    return api;
}

} // namespace ladm
