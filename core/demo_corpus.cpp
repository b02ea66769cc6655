#include "core/demo_corpus.h"

#include "core/jsonl_writer.h"
#include "core/source_text.h"
#include "core/utf8.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <zlib.h>

namespace fs = std::filesystem;

namespace ladm {

namespace {

struct Source {
    std::string domain, path, text;
};

} // namespace

bool write_demo_corpus(const std::string& out_path, const DemoCorpusOptions& o,
                       DemoCorpusSummary* sum, std::string* error) {
    // Domains and where their documents come from.
    struct Domain {
        std::string name;
        std::vector<std::string> files;
    };
    std::vector<Domain> domains = {
        {"Licenses",
         sorted_files("/usr/share/common-licenses", [](const fs::path&) { return true; })},
        {"Changelogs", sorted_files("/usr/share/doc",
                                    [](const fs::path& p) {
                                        return p.filename() == "changelog.Debian.gz" ||
                                               p.filename() == "changelog.gz";
                                    })},
        {"C-headers",
         sorted_files("/usr/include", [](const fs::path& p) { return p.extension() == ".h"; })},
        {"Python", sorted_files("/usr/lib/python3.11",
                                [](const fs::path& p) { return p.extension() == ".py"; })},
    };
    std::mt19937_64 rng(o.seed);
    std::vector<Source> coherent;
    std::map<std::string, std::vector<Source>> pool; // every readable document, for splicing
    const int per_domain = std::max(1, o.samples / 2 / int(domains.size()));
    for (auto& d : domains) {
        // A seeded shuffle of the sorted list: deterministic, spread over the folder.
        std::shuffle(d.files.begin(), d.files.end(), rng);
        int taken = 0;
        for (const auto& f : d.files) {
            std::string text = read_text_file(f);
            std::string fixed;
            utf8::repair(text, &fixed);
            if (int64_t(fixed.size()) < 2000) continue;
            if (pool[d.name].size() < 400) pool[d.name].push_back({d.name, f, fixed});
            if (taken < per_domain && int64_t(fixed.size()) >= o.min_chars) {
                if (int64_t(fixed.size()) > o.max_chars) { // whole chapters: cut at a line end
                    size_t cut = fixed.rfind('\n', size_t(o.max_chars));
                    fixed.resize(cut == std::string::npos ? size_t(o.max_chars) : cut + 1);
                    utf8::repair(std::string(fixed), &fixed);
                }
                coherent.push_back({d.name, f, fixed});
                ++taken;
            }
            if (taken >= per_domain && pool[d.name].size() >= 400) break;
        }
    }
    if (coherent.empty()) {
        *error =
            "no source documents found (is this a Debian machine with LADM Studio's packages?)";
        return false;
    }
    auto out = JsonlWriter::open(out_path, error);
    if (!out) return false;
    int n = 0;
    auto emit = [&](const std::string& text, const std::string& domain, const std::string& kind,
                    const nlohmann::json& sources) {
        nlohmann::json j = {
            {"id", "demo-" + std::to_string(n++)},
            {"text", text},
            {"meta", {{"pile_set_name", domain}, {"kind", kind}, {"sources", sources}}}};
        sum->chars += int64_t(text.size());
        return out->write_line(j.dump());
    };
    for (const auto& c : coherent) {
        if (!emit(c.text, c.domain, "coherent", {c.path})) {
            *error = out->error();
            return false;
        }
        ++sum->coherent;
        // Its control: the same length, spliced from pieces (< 512 tokens, ~300-1800 chars)
        // of other documents of the same domain, cut at line ends.
        const auto& docs = pool[c.domain];
        std::string text;
        nlohmann::json sources = nlohmann::json::array();
        while (text.size() < c.text.size() && docs.size() > 1) {
            const Source& s = docs[rng() % docs.size()];
            if (s.path == c.path) continue;
            const size_t len = 300 + rng() % 1500;
            size_t start = s.text.size() > len ? rng() % (s.text.size() - len) : 0;
            const size_t nl = s.text.find('\n', start);
            if (nl != std::string::npos && nl < start + 200) start = nl + 1;
            while (start < s.text.size() &&
                   (static_cast<unsigned char>(s.text[start]) & 0xC0) == 0x80)
                ++start;
            size_t end = std::min(s.text.size(), start + len);
            const size_t nl2 = s.text.rfind('\n', end);
            if (nl2 != std::string::npos && nl2 > start) end = nl2 + 1;
            text += s.text.substr(start, end - start);
            if (sources.size() < 64) sources.push_back(s.path);
        }
        std::string fixed;
        utf8::repair(text, &fixed); // pieces never split a character, but be sure
        if (!emit(fixed, c.domain, "spliced", sources)) {
            *error = out->error();
            return false;
        }
        ++sum->spliced;
    }
    if (!out->close()) {
        *error = out->error();
        return false;
    }
    return true;
}

} // namespace ladm
