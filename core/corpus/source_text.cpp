#include "core/corpus/source_text.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <xxhash.h>
#include <zlib.h>

namespace fs = std::filesystem;

namespace ladm {

std::string read_text_file(const fs::path& p) {
    if (p.extension() == ".gz") {
        gzFile g = gzopen(p.c_str(), "rb");
        if (!g) return {};
        std::string out;
        char buf[65536];
        int n;
        while ((n = gzread(g, buf, sizeof buf)) > 0)
            out.append(buf, size_t(n));
        gzclose(g);
        return out;
    }
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string>
sorted_files(const fs::path& root, const std::function<bool(const fs::path&)>& pred, size_t limit) {
    std::vector<std::string> v;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(
             root, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (it->is_regular_file(ec) && !it->is_symlink(ec) && pred(it->path()))
            v.push_back(it->path().string());
    }
    std::sort(v.begin(), v.end());
    if (v.size() > limit) {
        std::vector<std::string> w;
        for (size_t i = 0; i < limit; ++i)
            w.push_back(v[i * v.size() / limit]);
        v.swap(w);
    }
    return v;
}

bool SeenTexts::insert(std::string_view text) {
    const XXH128_hash_t h = XXH3_128bits(text.data(), text.size());
    return seen_.emplace(h.high64, h.low64).second;
}

std::vector<std::string> unique_content(const std::vector<std::string>& files) {
    SeenTexts seen;
    std::vector<std::string> out;
    for (const auto& f : files)
        if (seen.insert(read_text_file(f))) out.push_back(f);
    return out;
}

} // namespace ladm
