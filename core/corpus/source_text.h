// Local text used to build the demo corpus and to train / evaluate the bundled calculator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ladm {

// The whole file; .gz files are decompressed. Empty if unreadable.
std::string read_text_file(const std::filesystem::path& p);

// Regular files (not links) under root that match pred, sorted (the same order on every
// machine); when there are more than `limit`, an evenly spread subset of them.
std::vector<std::string> sorted_files(const std::filesystem::path& root,
                                      const std::function<bool(const std::filesystem::path&)>& pred,
                                      size_t limit = size_t(-1));

// Texts seen so far, by a 128-bit hash of their bytes: insert() is false for a repeat.
// Debian installs some files several times (Node's OpenSSL headers once per architecture,
// for example); training, held-out evaluation and the demo corpus each keep one copy.
class SeenTexts {
  public:
    bool insert(std::string_view text);

  private:
    std::set<std::pair<uint64_t, uint64_t>> seen_;
};

// files without those whose content (decompressed) repeats an earlier file's, in order.
std::vector<std::string> unique_content(const std::vector<std::string>& files);

} // namespace ladm
