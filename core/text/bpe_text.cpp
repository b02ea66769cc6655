#include "core/text/bpe_text.h"

#include "core/text/tokenizer.h"
#include "core/text/utf8.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <nlohmann/json.hpp>
#include <pcre2.h>
#include <utf8proc.h>

#include <array>
#include <cstdlib>
#include <stdexcept>

namespace ladm {

using nlohmann::json;

// ---------------------------------------------------------------------------------------
// Pieces

void Piece::materialize() {
    if (!ends.empty() || text.empty()) return;
    ends.resize(text.size());
    for (size_t k = 0; k < text.size(); ++k)
        ends[k] = uint32_t(src_begin + k + 1);
}

Piece Piece::slice(size_t a, size_t b) const {
    Piece p;
    p.text = text.substr(a, b - a);
    p.src_begin = src_after(a);
    if (!ends.empty()) p.ends.assign(ends.begin() + long(a), ends.begin() + long(b));
    p.synthetic = synthetic > a ? std::min(synthetic - a, b - a) : 0;
    return p;
}

// ---------------------------------------------------------------------------------------
// Byte-level alphabet

namespace {
struct ByteLevelTables {
    std::array<std::string, 256> enc;
    std::array<int, 0x200> dec; // code point -> byte, -1 if none
    ByteLevelTables() {
        dec.fill(-1);
        int n = 0;
        for (int b = 0; b < 256; ++b) {
            const bool printable =
                (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            const char32_t cp = printable ? char32_t(b) : char32_t(256 + n++);
            utf8::append(&enc[size_t(b)], cp);
            dec[cp] = b;
        }
    }
};
const ByteLevelTables& byte_tables() {
    static const ByteLevelTables t;
    return t;
}
} // namespace

const std::string& byte_level_char(uint8_t b) {
    return byte_tables().enc[b];
}

std::string byte_level_decode(const std::string& token) {
    std::string out;
    for (size_t i = 0; i < token.size();) {
        const size_t start = i;
        const char32_t cp = utf8::next(token, i);
        if (cp < 0x200 && byte_tables().dec[cp] >= 0)
            out.push_back(char(byte_tables().dec[cp]));
        else
            out.append(token, start, i - start);
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// PCRE2

class Regex {
  public:
    static std::unique_ptr<Regex> compile(const std::string& pattern, std::string* error) {
        int err = 0;
        PCRE2_SIZE off = 0;
        pcre2_code* code =
            pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                          PCRE2_UTF | PCRE2_UCP, &err, &off, nullptr);
        if (!code) {
            PCRE2_UCHAR buf[256];
            pcre2_get_error_message(err, buf, sizeof buf);
            *error = "regex '" + pattern + "' does not compile at " + std::to_string(off) + ": " +
                     reinterpret_cast<char*>(buf);
            return nullptr;
        }
        pcre2_jit_compile(
            code, PCRE2_JIT_COMPLETE); // falls back to the interpreter if JIT is unavailable
        auto r = std::unique_ptr<Regex>(new Regex);
        r->m_code = code;
        r->m_pattern = pattern;
        return r;
    }
    ~Regex() { pcre2_code_free(m_code); }

    // All non-overlapping matches in s, as byte ranges. s must be valid UTF-8.
    void find_all(std::string_view s, std::vector<std::pair<size_t, size_t>>* out) const {
        thread_local pcre2_match_data* md = pcre2_match_data_create(4, nullptr);
        size_t pos = 0;
        while (pos <= s.size()) {
            const int rc = pcre2_match(m_code, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(),
                                       pos, PCRE2_NO_UTF_CHECK, md, nullptr);
            if (rc == PCRE2_ERROR_NOMATCH) break;
            if (rc < 0) { // e.g. the match limit: the split would silently differ
                PCRE2_UCHAR buf[256];
                pcre2_get_error_message(rc, buf, sizeof buf);
                throw std::runtime_error("pre-tokenizer regex '" + m_pattern + "' failed at byte " +
                                         std::to_string(pos) + " of a " + std::to_string(s.size()) +
                                         "-byte piece: " + reinterpret_cast<char*>(buf));
            }
            const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
            const size_t b = ov[0], e = ov[1];
            if (e == b) { // empty match: step one character
                if (b >= s.size()) break;
                size_t k = b;
                utf8::next(s, k);
                pos = k;
                continue;
            }
            out->emplace_back(b, e);
            pos = e;
        }
    }

  private:
    Regex() = default;
    pcre2_code* m_code = nullptr;
    std::string m_pattern;
};

// ---------------------------------------------------------------------------------------
// Steps

enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

struct TextPipeline::Step {
    std::string type;
    std::string a, b;          // Prepend: a; Replace: a -> b; Metaspace: a = replacement
    std::unique_ptr<Regex> re; // Split / Replace(Regex) / ByteLevel(use_regex) / Digits
    Behavior behavior = Behavior::Isolated;
    bool invert = false;
    bool flag = false;          // ByteLevel add_prefix_space; Metaspace split
    std::string prepend_scheme; // Metaspace: always | first | never
};

namespace {

const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

std::string regex_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (std::string("\\^$.|?*+()[]{}-/").find(c) != std::string::npos) out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

// Segments of p (covering it) from matches, then grouped by the split behavior.
void split_piece(const Piece& p, const std::vector<std::pair<size_t, size_t>>& matches, Behavior bh,
                 bool invert, std::vector<Piece>* out) {
    std::vector<std::tuple<size_t, size_t, bool>> segs; // [b, e), is delimiter
    size_t pos = 0;
    for (auto [b, e] : matches) {
        if (b > pos) segs.emplace_back(pos, b, invert);
        segs.emplace_back(b, e, !invert);
        pos = e;
    }
    if (pos < p.text.size()) segs.emplace_back(pos, p.text.size(), invert);
    std::vector<std::pair<size_t, size_t>> parts;
    for (size_t i = 0; i < segs.size(); ++i) {
        auto [b, e, delim] = segs[i];
        switch (bh) {
        case Behavior::Removed:
            if (!delim) parts.emplace_back(b, e);
            break;
        case Behavior::Isolated:
            parts.emplace_back(b, e);
            break;
        case Behavior::MergedWithPrevious:
            if (delim && !parts.empty() && parts.back().second == b)
                parts.back().second = e;
            else
                parts.emplace_back(b, e);
            break;
        case Behavior::MergedWithNext:
            if (!delim && i > 0 && std::get<2>(segs[i - 1]) && !parts.empty() &&
                parts.back().second == b)
                parts.back().second = e;
            else
                parts.emplace_back(b, e);
            break;
        case Behavior::Contiguous:
            if (delim && i > 0 && std::get<2>(segs[i - 1]) && !parts.empty())
                parts.back().second = e;
            else
                parts.emplace_back(b, e);
            break;
        }
    }
    for (auto [b, e] : parts)
        if (e > b) out->push_back(p.slice(b, e));
}

// Normalizes one grapheme cluster at a time, so each changed cluster maps onto its source.
Piece unicode_normalize(const Piece& in, bool compat, bool lower) {
    bool ascii = true;
    for (unsigned char c : in.text)
        if (c >= 0x80 || (lower && c >= 'A' && c <= 'Z')) ascii = false;
    if (ascii) return in;
    Piece out;
    out.src_begin = in.src_begin;
    out.synthetic = in.synthetic;
    const std::string& s = in.text;
    size_t i = 0;
    utf8proc_int32_t state = 0;
    while (i < s.size()) {
        // one grapheme cluster [i, j)
        size_t j = i;
        char32_t prev = utf8::next(s, j);
        while (j < s.size()) {
            size_t k = j;
            const char32_t cp = utf8::next(s, k);
            if (utf8proc_grapheme_break_stateful(utf8proc_int32_t(prev), utf8proc_int32_t(cp),
                                                 &state))
                break;
            prev = cp;
            j = k;
        }
        state = 0;
        const std::string seg = s.substr(i, j - i);
        std::string norm;
        utf8proc_uint8_t* res = nullptr;
        const int opts = UTF8PROC_STABLE | UTF8PROC_COMPOSE | (compat ? UTF8PROC_COMPAT : 0) |
                         (lower ? UTF8PROC_CASEFOLD : 0);
        if (utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(seg.data()),
                         utf8proc_ssize_t(seg.size()), &res, utf8proc_option_t(opts)) >= 0 &&
            res) {
            norm = reinterpret_cast<char*>(res);
            std::free(res);
        } else {
            norm = seg;
        }
        if (norm == seg) {
            for (size_t k = i; k < j; ++k) {
                out.text.push_back(s[k]);
                out.ends.push_back(uint32_t(in.src_after(k + 1)));
            }
        } else {
            // the whole source cluster belongs to the last byte of its normalized form
            for (size_t k = 0; k < norm.size(); ++k) {
                out.text.push_back(norm[k]);
                out.ends.push_back(
                    uint32_t(k + 1 == norm.size() ? in.src_after(j) : in.src_after(i)));
            }
        }
        i = j;
    }
    return out;
}

Piece replace_all(const Piece& in, const std::vector<std::pair<size_t, size_t>>& matches,
                  const std::string& with) {
    Piece out;
    out.src_begin = in.src_begin;
    out.synthetic = in.synthetic;
    size_t pos = 0;
    auto copy = [&](size_t a, size_t b) {
        for (size_t k = a; k < b; ++k) {
            out.text.push_back(in.text[k]);
            out.ends.push_back(uint32_t(in.src_after(k + 1)));
        }
    };
    for (auto [b, e] : matches) {
        copy(pos, b);
        if (with.empty()) {
            // deleted bytes: the next byte's source range absorbs them
        }
        for (size_t k = 0; k < with.size(); ++k) {
            out.text.push_back(with[k]);
            out.ends.push_back(uint32_t(k + 1 == with.size() ? in.src_after(e) : in.src_after(b)));
        }
        pos = e;
    }
    copy(pos, in.text.size());
    if (with.empty() && !matches.empty() && matches.back().second == in.text.size() &&
        !out.ends.empty())
        out.ends.back() = uint32_t(in.src_after(in.text.size())); // trailing deletion
    return out;
}

Piece prepend(const Piece& in, const std::string& s) {
    Piece out;
    out.src_begin = in.src_begin;
    out.text = s + in.text;
    out.ends.assign(s.size(), uint32_t(in.src_begin));
    for (size_t k = 0; k < in.text.size(); ++k)
        out.ends.push_back(uint32_t(in.src_after(k + 1)));
    out.synthetic = s.size() + in.synthetic;
    return out;
}

std::vector<std::pair<size_t, size_t>> find_string(const std::string& s, const std::string& pat) {
    std::vector<std::pair<size_t, size_t>> m;
    if (pat.empty()) return m;
    for (size_t p = s.find(pat); p != std::string::npos; p = s.find(pat, p + pat.size()))
        m.emplace_back(p, p + pat.size());
    return m;
}

} // namespace

TextPipeline::TextPipeline() = default;
TextPipeline::~TextPipeline() = default;

bool TextPipeline::configure(const json& j, const std::string& path, std::string* error) {
    auto fail = [&](const std::string& field, const std::string& msg) {
        *error = path + ": " + field + ": " + msg;
        return false;
    };
    auto pattern_of = [&](const json& step, const std::string& field, std::unique_ptr<Regex>* re,
                          std::string* literal) -> bool {
        if (!step.contains("pattern") || !step["pattern"].is_object())
            return fail(field + ".pattern", "missing");
        const json& p = step["pattern"];
        std::string err;
        if (p.contains("Regex") && p["Regex"].is_string()) {
            *re = Regex::compile(p["Regex"].get<std::string>(), &err);
            if (!*re) return fail(field + ".pattern", err);
        } else if (p.contains("String") && p["String"].is_string()) {
            *literal = p["String"].get<std::string>();
            *re = Regex::compile(regex_escape(*literal), &err);
            if (!*re) return fail(field + ".pattern", err);
        } else
            return fail(field + ".pattern", "needs a Regex or String");
        return true;
    };

    // Normalizers
    std::vector<std::pair<const json*, std::string>> norms;
    if (j.contains("normalizer") && j["normalizer"].is_object()) {
        const json& n = j["normalizer"];
        if (n.value("type", "") == "Sequence") {
            if (!n.contains("normalizers") || !n["normalizers"].is_array())
                return fail("normalizer.normalizers", "missing or not an array");
            size_t i = 0;
            for (const auto& x : n["normalizers"])
                norms.emplace_back(&x, "normalizer.normalizers[" + std::to_string(i++) + "]");
        } else
            norms.emplace_back(&n, "normalizer");
    }
    for (auto [n, field] : norms) {
        auto st = std::make_unique<Step>();
        st->type = n->value("type", "");
        if (st->type == "NFC" || st->type == "NFKC" || st->type == "Lowercase") {
        } else if (st->type == "Prepend") {
            st->a = n->value("prepend", "");
        } else if (st->type == "Replace") {
            if (!pattern_of(*n, field, &st->re, &st->a)) return false;
            st->b = n->value("content", "");
            if (st->b == "\xE2\x96\x81" || st->a == "\xE2\x96\x81") m_metaspace = "\xE2\x96\x81";
        } else
            return fail(field + ".type",
                        "unsupported normalizer '" + st->type +
                            "' (supported: NFC, NFKC, Lowercase, Prepend, Replace, Sequence)");
        m_normalizers.push_back(std::move(st));
    }

    // Pre-tokenizers
    std::vector<std::pair<const json*, std::string>> pres;
    if (j.contains("pre_tokenizer") && j["pre_tokenizer"].is_object()) {
        const json& p = j["pre_tokenizer"];
        if (p.value("type", "") == "Sequence") {
            if (!p.contains("pretokenizers") || !p["pretokenizers"].is_array())
                return fail("pre_tokenizer.pretokenizers", "missing or not an array");
            size_t i = 0;
            for (const auto& x : p["pretokenizers"])
                pres.emplace_back(&x, "pre_tokenizer.pretokenizers[" + std::to_string(i++) + "]");
        } else
            pres.emplace_back(&p, "pre_tokenizer");
    }
    for (auto [p, field] : pres) {
        auto st = std::make_unique<Step>();
        st->type = p->value("type", "");
        std::string err;
        if (st->type == "Split") {
            std::string lit;
            if (!pattern_of(*p, field, &st->re, &lit)) return false;
            const std::string bh = p->value("behavior", "Isolated");
            st->behavior = bh == "Removed"              ? Behavior::Removed
                           : bh == "MergedWithPrevious" ? Behavior::MergedWithPrevious
                           : bh == "MergedWithNext"     ? Behavior::MergedWithNext
                           : bh == "Contiguous"         ? Behavior::Contiguous
                                                        : Behavior::Isolated;
            st->invert = p->value("invert", false);
        } else if (st->type == "ByteLevel") {
            m_byte_level = true;
            st->flag = p->value("add_prefix_space", true);
            if (p->value("use_regex", true)) st->re = Regex::compile(kGpt2Pattern, &err);
        } else if (st->type == "Metaspace") {
            st->a = p->value("replacement", "\xE2\x96\x81");
            m_metaspace = st->a;
            st->flag = p->value("split", true);
            if (p->contains("prepend_scheme") && (*p)["prepend_scheme"].is_string())
                st->prepend_scheme = (*p)["prepend_scheme"].get<std::string>();
            else
                st->prepend_scheme = p->value("add_prefix_space", true) ? "always" : "never";
        } else if (st->type == "Digits") {
            st->re = Regex::compile(p->value("individual_digits", false) ? R"(\p{N})" : R"(\p{N}+)",
                                    &err);
        } else if (st->type == "Whitespace") {
            st->re = Regex::compile(R"(\w+|[^\w\s]+)", &err);
            st->behavior = Behavior::Removed;
            st->invert = true;
        } else if (st->type == "WhitespaceSplit") {
            st->re = Regex::compile(R"(\s+)", &err);
            st->behavior = Behavior::Removed;
        } else
            return fail(field + ".type",
                        "unsupported pre-tokenizer '" + st->type +
                            "' (supported: Split, ByteLevel, Metaspace, Digits, Whitespace, "
                            "WhitespaceSplit, Sequence)");
        if (!err.empty()) return fail(field, err);
        m_pretokenizers.push_back(std::move(st));
    }

    // Decoder: does it drop the leading space (Llama-style Strip / Metaspace prefix)?
    if (j.contains("decoder") && j["decoder"].is_object()) {
        const json& d = j["decoder"];
        std::vector<const json*> ds;
        if (d.value("type", "") == "Sequence" && d.contains("decoders"))
            for (const auto& x : d["decoders"])
                ds.push_back(&x);
        else
            ds.push_back(&d);
        for (const json* x : ds) {
            const std::string t = x->value("type", "");
            if (t == "Strip" && x->value("start", 0) > 0) m_strip_leading_space = true;
            if (t == "Metaspace") {
                const std::string scheme =
                    x->contains("prepend_scheme") && (*x)["prepend_scheme"].is_string()
                        ? (*x)["prepend_scheme"].get<std::string>()
                        : (x->value("add_prefix_space", true) ? "always" : "never");
                if (scheme != "never") m_strip_leading_space = true;
            }
            if (t == "ByteLevel") m_byte_level = true;
        }
    }
    return true;
}

void TextPipeline::split(const std::string& text, size_t b, size_t e, bool first,
                         std::vector<Piece>* out) const {
    Piece p;
    p.text = text.substr(b, e - b);
    p.src_begin = b;
    std::vector<std::pair<size_t, size_t>> m;
    for (const auto& st : m_normalizers) {
        if (st->type == "NFC")
            p = unicode_normalize(p, false, false);
        else if (st->type == "NFKC")
            p = unicode_normalize(p, true, false);
        else if (st->type == "Lowercase")
            p = unicode_normalize(p, false, true);
        else if (st->type == "Prepend") {
            if (!p.text.empty()) p = prepend(p, st->a);
        } else if (st->type == "Replace") {
            m.clear();
            st->re->find_all(p.text, &m);
            if (!m.empty()) p = replace_all(p, m, st->b);
        }
    }
    std::vector<Piece> cur{std::move(p)}, next;
    bool first_piece = first;
    for (const auto& st : m_pretokenizers) {
        next.clear();
        for (Piece& q : cur) {
            if (st->type == "ByteLevel") {
                if (st->flag && !q.text.empty() && q.text[0] != ' ') q = prepend(q, " ");
                if (!st->re) {
                    next.push_back(std::move(q));
                    continue;
                }
            } else if (st->type == "Metaspace") {
                m.clear();
                for (auto [mb, me] : find_string(q.text, " "))
                    m.emplace_back(mb, me);
                if (!m.empty()) q = replace_all(q, m, st->a);
                const bool add = st->prepend_scheme == "always" ||
                                 (st->prepend_scheme == "first" && first_piece && q.src_begin == b);
                if (add && q.text.compare(0, st->a.size(), st->a) != 0) q = prepend(q, st->a);
                if (!st->flag) {
                    next.push_back(std::move(q));
                    continue;
                }
                m = find_string(q.text, st->a);
                split_piece(q, m, Behavior::MergedWithNext, false, &next);
                continue;
            }
            m.clear();
            st->re->find_all(q.text, &m);
            split_piece(q, m, st->behavior, st->invert, &next);
        }
        cur.swap(next);
        first_piece = false;
    }
    for (auto& q : cur)
        if (!q.text.empty()) out->push_back(std::move(q));
}

std::string TextPipeline::undo_metaspace(const std::string& token) const {
    return marker_to_spaces(token, m_metaspace);
}

} // namespace ladm
