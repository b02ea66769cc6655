#include "core/text/utf8.h"

#include <algorithm>
#include <cstdlib>
#include <utf8proc.h>

namespace ladm::utf8 {

size_t valid_sequence_length(std::string_view s, size_t i) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const size_t n = s.size();
    const unsigned c = b(i);
    if (c < 0x80) return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF; // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; // no overlongs
        else if (c == 0xED)
            hi = 0x9F; // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F; // <= U+10FFFF
    } else
        return 0;
    if (i + 1 >= n || b(i + 1) < lo || b(i + 1) > hi) return 0;
    for (size_t k = 2; k < len; ++k)
        if (i + k >= n || (b(i + k) & 0xC0) != 0x80) return 0;
    return len;
}

bool is_valid(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        const size_t l = valid_sequence_length(s, i);
        if (!l) return false;
        i += l;
    }
    return true;
}

size_t repair(std::string_view in, std::string* out) {
    out->clear();
    out->reserve(in.size());
    size_t replaced = 0;
    for (size_t i = 0; i < in.size();) {
        const size_t l = valid_sequence_length(in, i);
        if (l) {
            out->append(in.substr(i, l));
            i += l;
            continue;
        }
        // Maximal subpart: a lead byte followed by the continuation bytes that were still
        // valid for it counts as one replacement; a lone bad byte counts as one.
        size_t k = 1;
        const unsigned c = static_cast<unsigned char>(in[i]);
        size_t want = c >= 0xF0 && c <= 0xF4   ? 4
                      : c >= 0xE0 && c <= 0xEF ? 3
                      : c >= 0xC2 && c <= 0xDF ? 2
                                               : 1;
        while (k < want && i + k < in.size()) {
            // check that in[i..i+k] is still a valid prefix
            std::string probe(in.substr(i, k + 1));
            probe.append(want - k - 1, char(0x80));
            if (valid_sequence_length(probe, 0) != want) break;
            ++k;
        }
        out->append("\xEF\xBF\xBD");
        ++replaced;
        i += k;
    }
    return replaced;
}

std::string nfc(std::string_view s) {
    utf8proc_uint8_t* res = nullptr;
    if (utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                     utf8proc_ssize_t(s.size()), &res,
                     utf8proc_option_t(UTF8PROC_STABLE | UTF8PROC_COMPOSE)) < 0 ||
        !res)
        return std::string(s);
    std::string out(reinterpret_cast<char*>(res));
    std::free(res);
    return out;
}

void append(std::string* out, char32_t cp) {
    if (cp < 0x80)
        out->push_back(char(cp));
    else if (cp < 0x800) {
        out->push_back(char(0xC0 | (cp >> 6)));
        out->push_back(char(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out->push_back(char(0xE0 | (cp >> 12)));
        out->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
        out->push_back(char(0x80 | (cp & 0x3F)));
    } else {
        out->push_back(char(0xF0 | (cp >> 18)));
        out->push_back(char(0x80 | ((cp >> 12) & 0x3F)));
        out->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
        out->push_back(char(0x80 | (cp & 0x3F)));
    }
}

char32_t next(std::string_view s, size_t& i) {
    const unsigned c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
        ++i;
        return c;
    }
    const size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    char32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (size_t k = 1; k < len && i + k < s.size(); ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += len;
    return cp;
}

CharIndex::CharIndex(std::string_view s)
    : m_length(s.size()) {
    for (size_t i = 0; i < s.size();) {
        m_starts.push_back(i);
        const size_t l = valid_sequence_length(s, i);
        i += l ? l : 1;
    }
}

int64_t CharIndex::chars_completed_by(size_t byte) const {
    // character c ends at m_starts[c+1] (or the end); it is complete by `byte` if that
    // end <= byte, i.e. the number of starts in (0, byte] ... count c with end_c <= byte.
    if (byte >= m_length) return int64_t(m_starts.size());
    // number of characters whose start < byte, minus one if byte falls inside a character
    auto it = std::upper_bound(m_starts.begin(), m_starts.end(), byte);
    const int64_t started_at_or_before = int64_t(it - m_starts.begin());
    // the character starting at or before `byte`: complete only if it starts exactly at byte
    // (then it has not begun, so it is not counted as complete)
    if (started_at_or_before == 0) return 0;
    return started_at_or_before - 1;
}

size_t CharIndex::byte_of_char(int64_t c) const {
    return c >= int64_t(m_starts.size()) ? m_length : m_starts[size_t(c)];
}

} // namespace ladm::utf8
