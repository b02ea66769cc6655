#include "cli/args.h"

#include <stdexcept>

namespace ladm::cli {

Args::Args(const std::vector<std::string>& argv, std::set<std::string> flags,
           std::set<std::string> options) {
    for (size_t i = 0; i < argv.size(); ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) != 0 || a == "--") {
            m_positional.push_back(a);
            continue;
        }
        std::string value;
        bool has_value = false;
        if (const auto eq = a.find('='); eq != std::string::npos) {
            value = a.substr(eq + 1);
            a = a.substr(0, eq);
            has_value = true;
        }
        const std::string name = a.substr(2);
        if (flags.count(name)) {
            m_flags.insert(name);
        } else if (options.count(name)) {
            if (!has_value) {
                if (i + 1 >= argv.size()) {
                    m_error = a + " needs a value";
                    return;
                }
                value = argv[++i];
            }
            m_values.emplace(name, value);
        } else {
            m_error = "unknown option " + a;
            return;
        }
    }
}

std::optional<std::string> Args::get(const std::string& name) const {
    auto range = m_values.equal_range(name);
    if (range.first == range.second) return std::nullopt;
    return std::prev(range.second)->second; // the last one wins
}

std::vector<std::string> Args::all(const std::string& name) const {
    std::vector<std::string> v;
    for (auto [it, end] = m_values.equal_range(name); it != end; ++it)
        v.push_back(it->second);
    return v;
}

std::vector<double> number_list(const std::string& s) {
    std::vector<double> v;
    size_t start = 0;
    while (true) {
        const size_t comma = s.find(',', start);
        const std::string item =
            s.substr(start, comma == std::string::npos ? comma : comma - start);
        size_t used = 0;
        v.push_back(std::stod(item, &used)); // throws on an empty or non-numeric item
        if (used != item.size()) throw std::invalid_argument("not a number: " + item);
        if (comma == std::string::npos) return v;
        start = comma + 1;
    }
}

} // namespace ladm::cli
