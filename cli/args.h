// Minimal option parsing shared by the subcommands: --name VALUE, --name=VALUE, flags,
// repeated options and positional arguments.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ladm::cli {

class Args {
  public:
    // flags: options without a value; options: options that take one.
    Args(const std::vector<std::string>& argv, std::set<std::string> flags,
         std::set<std::string> options);
    bool ok() const { return m_error.empty(); }
    const std::string& error() const { return m_error; }
    bool flag(const std::string& name) const { return m_flags.count(name) > 0; }
    std::optional<std::string> get(const std::string& name) const;
    std::vector<std::string> all(const std::string& name) const;
    const std::vector<std::string>& positional() const { return m_positional; }

  private:
    std::set<std::string> m_flags;
    std::multimap<std::string, std::string> m_values;
    std::vector<std::string> m_positional;
    std::string m_error;
};

// "1,1.25,1.5" -> {1, 1.25, 1.5}; throws std::invalid_argument on anything else (an empty
// item, trailing text).
std::vector<double> number_list(const std::string& s);

} // namespace ladm::cli
