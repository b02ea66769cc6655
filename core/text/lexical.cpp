#include "core/text/lexical.h"

#include "core/text/utf8.h"

#include <cmath>
#include <unordered_set>
#include <utf8proc.h>

namespace ladm {

namespace {
bool word_char(char32_t c) {
    if (c == '_') return true;
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    switch (utf8proc_category(utf8proc_int32_t(c))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return true;
    default:
        return false;
    }
}
} // namespace

std::vector<Word> words_of(std::string_view text) {
    std::vector<Word> out;
    Word cur;
    bool in_word = false;
    int64_t cp = 0;
    for (size_t i = 0; i < text.size(); ++cp) {
        const size_t n = utf8::valid_sequence_length(text, i);
        char32_t c = 0xFFFD; // an invalid byte: a separator
        if (n > 0) {
            size_t j = i;
            c = utf8::next(text, j);
        }
        const size_t len = n > 0 ? n : 1;
        if (n > 0 && word_char(c)) {
            if (!in_word) {
                cur.text.clear();
                cur.begin = cp;
                in_word = true;
            }
            if (c >= 'A' && c <= 'Z')
                cur.text += char(c - 'A' + 'a');
            else
                cur.text.append(text.substr(i, len));
        } else if (in_word) {
            out.push_back(std::move(cur));
            cur = Word{};
            in_word = false;
        }
        i += len;
    }
    if (in_word) out.push_back(std::move(cur));
    return out;
}

void DocumentFrequencies::add(const std::vector<Word>& words) {
    std::unordered_set<std::string_view> seen;
    for (const auto& w : words)
        if (seen.insert(w.text).second) ++m_df[std::hash<std::string_view>{}(w.text)];
    ++m_docs;
}

double DocumentFrequencies::idf(const std::string& word) const {
    const auto it = m_df.find(std::hash<std::string_view>{}(word));
    if (it == m_df.end() || it->second <= 0 || m_docs <= 0) return 0;
    return std::log(double(m_docs) / double(it->second));
}

double lexical_dependency(const std::vector<Word>& words, const DocumentFrequencies& df,
                          int64_t min_distance) {
    std::unordered_map<std::string_view, int64_t> last; // word -> begin of its latest occurrence
    double far = 0, all = 0;
    for (const auto& w : words) {
        const double idf = df.idf(w.text);
        all += idf;
        auto [it, fresh] = last.try_emplace(w.text, w.begin);
        if (!fresh) {
            if (w.begin - it->second > min_distance) far += idf;
            it->second = w.begin;
        }
    }
    return all > 0 ? far / all : 0.0;
}

const std::vector<PunctuationMapping>& ascii_punctuation_table() {
    static const std::vector<PunctuationMapping> table = {
        {0x2018, "'"},  {0x2019, "'"},  {0x201A, "'"},  {0x201B, "'"},   {0x2032, "'"},
        {0x2035, "'"},  {0x2039, "'"},  {0x203A, "'"},  {0x201C, "\""},  {0x201D, "\""},
        {0x201E, "\""}, {0x201F, "\""}, {0x2033, "\""}, {0x2036, "\""},  {0x00AB, "\""},
        {0x00BB, "\""}, {0x2010, "-"},  {0x2011, "-"},  {0x2012, "-"},   {0x2013, "-"},
        {0x2014, "-"},  {0x2015, "-"},  {0x2212, "-"},  {0x2026, "..."}, {0x00A0, " "},
        {0x2002, " "},  {0x2003, " "},  {0x2007, " "},  {0x2009, " "},   {0x200A, " "},
        {0x202F, " "},  {0x3000, " "},
    };
    return table;
}

std::string ascii_punctuation(std::string_view text) {
    static const std::unordered_map<char32_t, const char*> to_ascii = [] {
        std::unordered_map<char32_t, const char*> m;
        for (const auto& [from, to] : ascii_punctuation_table())
            m.emplace(from, to);
        return m;
    }();
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        const size_t n = utf8::valid_sequence_length(text, i);
        if (n <= 1) { // ASCII, or an invalid byte: as it is
            out += text[i++];
            continue;
        }
        size_t j = i;
        const auto it = to_ascii.find(utf8::next(text, j));
        if (it != to_ascii.end())
            out += it->second;
        else
            out.append(text.substr(i, n));
        i += n;
    }
    return out;
}

} // namespace ladm
