#include "core/calculator_curriculum.h"

#include "core/source_text.h"

#include <algorithm>
#include <filesystem>
#include <unordered_map>
#include <xxhash.h>

namespace fs = std::filesystem;

namespace ladm {

void Batcher::build(std::mt19937_64& rng, int T, bool plain_only, double progress,
                    std::vector<int64_t>* ids, std::vector<int64_t>* pos,
                    std::vector<int32_t>* seq) const {
    std::vector<int32_t> s{bos};
    int split = T; // where the position skip happens
    auto uniform = [&](size_t n) { return n == 0 ? size_t(0) : size_t(rng() % (n + 1)); };
    if (!plain_only && std::uniform_real_distribution<>(0, 1)(rng) < o.copy_fraction && T >= 256) {
        const size_t plen = 32 + uniform(std::min<size_t>(224, size_t(T) / 8));
        std::vector<int32_t> passage;
        if (rng() % 4 == 0) { // random tokens (ids 3.. skip unk/bos/eos)
            for (size_t i = 0; i < plen; ++i)
                passage.push_back(int32_t(3 + rng() % uint64_t(vocab - 3)));
        } else {
            take(rng, &passage, plen);
        }
        const size_t f1 = uniform(63);
        take(rng, &s, f1);
        size_t repeats = 2 + rng() % 2;
        const size_t fixed = s.size() + plen;
        while (repeats > 2 && fixed + repeats * plen > size_t(T))
            --repeats;
        const size_t room =
            size_t(T) > fixed + (repeats - 1) * plen ? size_t(T) - fixed - (repeats - 1) * plen : 0;
        const bool early = progress < o.copy_warmup;
        const size_t max_gap =
            early ? std::min<size_t>(room / (repeats - 1), 128) : room / (repeats - 1);
        const size_t skip_copy = 1 + rng() % (repeats - 1); // the copy the skip precedes
        s.insert(s.end(), passage.begin(), passage.end());
        for (size_t r = 1; r < repeats; ++r) {
            const size_t gap = uniform(max_gap);
            if (r == skip_copy && !early) split = int(s.size() + gap / 2);
            take(rng, &s, gap);
            s.insert(s.end(), passage.begin(), passage.end());
        }
    }
    if (int(s.size()) < T) take(rng, &s, size_t(T) - s.size());
    s.resize(size_t(T));
    if (seq) *seq = s;
    if (split >= T) split = 1 + int(rng() % uint64_t(T - 1));
    const int64_t skip =
        plain_only || o.max_positions <= T ? 0 : int64_t(rng() % uint64_t(o.max_positions - T + 1));
    for (int i = 0; i < T; ++i) {
        ids->push_back(s[size_t(i)]);
        pos->push_back(i < split ? i : i + skip);
    }
}

void retrieval_targets(const std::vector<int32_t>& s, const std::vector<float>& rarity,
                       int64_t local, float* out) {
    const size_t T = s.size();
    std::unordered_map<int32_t, std::vector<size_t>> seen; // token -> earlier positions
    for (size_t i = 0; i < T; ++i) {
        auto& v = seen[s[i]];
        const float w = i > 0 ? rarity[size_t(s[i])] : 0.0f;
        float* row = out + i * T;
        size_t n = 0; // earlier occurrences more than `local` tokens back
        while (n < v.size() && int64_t(i - v[n]) > local)
            ++n;
        const float z = 1.0f + w * float(n);
        row[0] = 1.0f / z;
        for (size_t k = 0; k < n; ++k)
            row[v[k]] = w / z;
        if (i > 0) v.push_back(i);
    }
}

std::vector<std::string> default_training_files() {
    std::vector<std::string> f;
    auto append = [&](const std::vector<std::string>& v) { f.insert(f.end(), v.begin(), v.end()); };
    append(sorted_files(
        "/usr/share/common-licenses", [](const fs::path&) { return true; }, 100));
    append(sorted_files(
        "/usr/share/doc", [](const fs::path& p) { return p.filename() == "changelog.Debian.gz"; },
        600));
    append(sorted_files(
        "/usr/include", [](const fs::path& p) { return p.extension() == ".h"; }, 1500));
    append(sorted_files(
        "/usr/lib/python3.11", [](const fs::path& p) { return p.extension() == ".py"; }, 800));
    return f;
}

std::vector<std::string> calculator_text_files(const std::vector<std::string>& given) {
    return unique_content(given.empty() ? default_training_files() : given);
}

bool is_held_out(const std::string& path, double held_out_fraction) {
    return double(XXH3_64bits(path.data(), path.size()) % 10000) < held_out_fraction * 10000;
}

} // namespace ladm
