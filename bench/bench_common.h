// Helpers shared by the benchmarks: memory readings, child processes, test checkpoints.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ladm::bench {

double current_rss_mb(); // resident set now
double peak_rss_mb();    // high-water mark of this process
double available_memory_mb();

std::vector<std::string> split(const std::string& s, char sep);
std::vector<int64_t> parse_int_list(const std::string& s);

// Runs this executable again with `args` and parses the last line of its stdout as JSON.
// Returns null (and sets *error to the child's stderr tail) if it fails.
nlohmann::json run_self(const char* argv0, const std::vector<std::string>& args,
                        std::string* error);

// A checkpoint folder for a benchmark model name: "tinyllama-shape" (hidden 2048, 32 heads,
// 4 KV heads, MLP 5632, 2 layers, random weights), "default" (the bundled calculator if it
// is built, else a random model of its shape), or a path to a checkpoint folder.
std::string prepare_model(const std::string& name, const std::filesystem::path& tmp,
                          std::string* error);

} // namespace ladm::bench
