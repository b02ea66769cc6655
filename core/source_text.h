// Local text used to build the demo corpus and to train / evaluate the bundled calculator.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace ladm {

// The whole file; .gz files are decompressed. Empty if unreadable.
std::string read_text_file(const std::filesystem::path& p);

// Regular files (not links) under root that match pred, sorted (the same order on every
// machine); when there are more than `limit`, an evenly spread subset of them.
std::vector<std::string> sorted_files(const std::filesystem::path& root,
                                      const std::function<bool(const std::filesystem::path&)>& pred,
                                      size_t limit = size_t(-1));

} // namespace ladm
