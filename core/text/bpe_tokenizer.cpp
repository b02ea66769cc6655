#include "core/text/bpe_tokenizer.h"

#include "core/text/bpe_text.h"
#include "core/text/utf8.h"

#include <algorithm>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <queue>
#include <sstream>
#include <unordered_map>

namespace ladm {

using nlohmann::json;

namespace {

struct AddedToken {
    int32_t id;
    std::string content;
    bool special, lstrip, rstrip, single_word;
};

class BpeTokenizer final : public Tokenizer {
  public:
    bool load(const std::string& path, const BpeOptions& opts, std::string* error);
    Encoding encode(std::string_view text, bool add_special) const override;
    Encoding encode_text(std::string_view text, bool add_special) const;
    std::string token_bytes(int32_t id) const override;
    std::string token_string(int32_t id) const override {
        return id >= 0 && size_t(id) < m_id_to_token.size() ? m_id_to_token[size_t(id)]
                                                            : std::string();
    }
    int32_t vocab_size() const override { return int32_t(m_id_to_token.size()); }

  private:
    struct Tok {
        int32_t id;
        size_t begin, end; // bytes of the piece's text
    };
    void encode_piece(const Piece& p, std::vector<Tok>* out) const;
    void bpe(const std::vector<int32_t>& symbols, const std::vector<uint32_t>& sym_len,
             std::vector<Tok>* out) const;
    int32_t id_of(const std::string& s) const {
        auto it = m_vocab.find(s);
        return it == m_vocab.end() ? -1 : it->second;
    }

    std::string m_path;
    std::unordered_map<std::string, int32_t> m_vocab;
    std::vector<std::string> m_id_to_token;
    std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> m_merges; // (a,b) -> (rank, merged)
    bool m_ignore_merges = false, m_byte_fallback = false, m_fuse_unk = false;
    int32_t m_unk = -1;
    std::vector<AddedToken> m_added;
    std::vector<uint16_t> m_added_first[256]; // indices into m_added by first byte
    std::vector<int32_t> m_prefix, m_suffix;  // post-processor template
    TextPipeline m_pipeline;
    int32_t m_byte_ids[256]; // <0xNN> ids (byte fallback) or byte-level symbol ids
    mutable std::mutex m_cache_mutex;
    mutable std::unordered_map<std::string, std::vector<std::pair<int32_t, uint32_t>>> m_cache;
};

std::string read_all(const std::string& path, bool* ok) {
    std::ifstream in(path, std::ios::binary);
    *ok = bool(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool BpeTokenizer::load(const std::string& path, const BpeOptions& opts, std::string* error) {
    m_path = path;
    m_kind = "bpe";
    bool ok = false;
    const std::string text = read_all(path, &ok);
    auto fail = [&](const std::string& field, const std::string& msg) {
        *error = path + ": " + field + ": " + msg;
        return false;
    };
    if (!ok) return fail("file", "cannot read");
    json j;
    try {
        j = json::parse(text);
    } catch (const std::exception& e) {
        *error = path + ": not valid JSON: " + e.what();
        return false;
    }
    if (!j.is_object() || !j.contains("model") || !j["model"].is_object())
        return fail("model", "missing");
    const json& m = j["model"];
    const std::string type = m.value("type", std::string("BPE"));
    if (type != "BPE")
        return fail("model.type", "unsupported model type '" + type + "' (only BPE is supported)");
    if (!m.contains("vocab") || !m["vocab"].is_object())
        return fail("model.vocab", "missing or not an object");
    // Ids index a table, so they are bounded by what the file holds (a real vocabulary's
    // ids are dense): a declared id can neither wrap around int32 nor size the table.
    const size_t entries =
        m["vocab"].size() +
        (j.contains("added_tokens") && j["added_tokens"].is_array() ? j["added_tokens"].size() : 0);
    const int64_t id_limit = std::min<int64_t>(INT32_MAX, 2 * int64_t(entries) + 1024);
    std::string why;
    auto read_id = [&](const json& v, int32_t* out) {
        if (!v.is_number_integer()) {
            why = "id is not an integer";
            return false;
        }
        const bool neg = v.is_number_unsigned() ? false : v.get<int64_t>() < 0;
        if (neg || v.get<uint64_t>() >= uint64_t(id_limit)) {
            why = "id " + v.dump() + " is out of range (a vocabulary of " +
                  std::to_string(entries) + " entries has ids from 0 to at most " +
                  std::to_string(id_limit - 1) + ")";
            return false;
        }
        *out = int32_t(v.get<int64_t>());
        return true;
    };
    for (auto it = m["vocab"].begin(); it != m["vocab"].end(); ++it) {
        int32_t id = 0;
        if (!read_id(it.value(), &id)) return fail("model.vocab[\"" + it.key() + "\"]", why);
        m_vocab[it.key()] = id;
        if (size_t(id) >= m_id_to_token.size()) m_id_to_token.resize(size_t(id) + 1);
        m_id_to_token[size_t(id)] = it.key();
    }
    m_ignore_merges = m.value("ignore_merges", false);
    m_byte_fallback = m.value("byte_fallback", false);
    m_fuse_unk = m.value("fuse_unk", false);
    if (m.contains("unk_token") && m["unk_token"].is_string()) {
        m_unk = id_of(m["unk_token"].get<std::string>());
        if (m_unk < 0)
            return fail("model.unk_token",
                        "'" + m["unk_token"].get<std::string>() + "' is not in the vocabulary");
    }
    for (const char* k : {"continuing_subword_prefix", "end_of_word_suffix"})
        if (m.contains(k) && m[k].is_string() && !m[k].get<std::string>().empty())
            return fail(std::string("model.") + k, "non-empty values are not supported");
    if (!m.contains("merges") || !m["merges"].is_array())
        return fail("model.merges", "missing or not an array");
    int32_t rank = 0;
    for (const auto& mg : m["merges"]) {
        std::string a, b;
        const std::string field = "model.merges[" + std::to_string(rank) + "]";
        if (mg.is_string()) {
            const std::string s = mg.get<std::string>();
            const auto sp = s.find(' ', 1);
            if (sp == std::string::npos)
                return fail(field, "'" + s + "' is not two tokens separated by a space");
            a = s.substr(0, sp);
            b = s.substr(sp + 1);
        } else if (mg.is_array() && mg.size() == 2 && mg[0].is_string() && mg[1].is_string()) {
            a = mg[0].get<std::string>();
            b = mg[1].get<std::string>();
        } else
            return fail(field, "must be \"a b\" or [\"a\", \"b\"]");
        const int32_t ia = id_of(a), ib = id_of(b), im = id_of(a + b);
        if (ia < 0) return fail(field, "token '" + a + "' is not in the vocabulary");
        if (ib < 0) return fail(field, "token '" + b + "' is not in the vocabulary");
        if (im < 0) return fail(field, "merged token '" + a + b + "' is not in the vocabulary");
        m_merges.emplace((uint64_t(uint32_t(ia)) << 32) | uint32_t(ib), std::make_pair(rank, im));
        ++rank;
    }

    if (j.contains("added_tokens") && j["added_tokens"].is_array()) {
        size_t i = 0;
        for (const auto& a : j["added_tokens"]) {
            const std::string field = "added_tokens[" + std::to_string(i++) + "]";
            if (!a.is_object() || !a.contains("id") || !a["id"].is_number_integer() ||
                !a.contains("content") || !a["content"].is_string())
                return fail(field, "needs an integer id and a string content");
            int32_t added_id = 0;
            if (!read_id(a["id"], &added_id)) return fail(field, why);
            AddedToken t{added_id,
                         a["content"].get<std::string>(),
                         a.value("special", false),
                         a.value("lstrip", false),
                         a.value("rstrip", false),
                         a.value("single_word", false)};
            if (t.content.empty()) return fail(field, "empty content");
            if (size_t(t.id) >= m_id_to_token.size()) m_id_to_token.resize(size_t(t.id) + 1);
            m_id_to_token[size_t(t.id)] = t.content;
            m_vocab.emplace(t.content, t.id);
            if (t.special) m_special_ids.push_back(t.id);
            m_added.push_back(std::move(t));
        }
        // longest first, so "<|a|>x" wins over "<|a|>" at the same position
        std::stable_sort(m_added.begin(), m_added.end(),
                         [](const AddedToken& x, const AddedToken& y) {
                             return x.content.size() > y.content.size();
                         });
        for (size_t k = 0; k < m_added.size(); ++k)
            m_added_first[static_cast<unsigned char>(m_added[k].content[0])].push_back(uint16_t(k));
    }

    if (!m_pipeline.configure(j, path, error)) return false;

    for (int b = 0; b < 256; ++b) {
        if (m_pipeline.byte_level()) {
            m_byte_ids[b] = id_of(byte_level_char(uint8_t(b)));
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "<0x%02X>", b);
            m_byte_ids[b] = id_of(buf);
        }
    }
    if (m_pipeline.byte_level())
        for (int b = 0; b < 256; ++b)
            if (m_byte_ids[b] < 0)
                return fail("model.vocab",
                            "byte-level symbol for byte " + std::to_string(b) + " is missing");

    // Post-processor: TemplateProcessing "single", or BOS/EOS from tokenizer_config.json.
    const json* pp = j.contains("post_processor") && j["post_processor"].is_object()
                         ? &j["post_processor"]
                         : nullptr;
    std::vector<const json*> pps;
    if (pp && pp->value("type", "") == "Sequence" && pp->contains("processors"))
        for (const auto& x : (*pp)["processors"])
            pps.push_back(&x);
    else if (pp)
        pps.push_back(pp);
    for (const json* p : pps) {
        if (p->value("type", "") != "TemplateProcessing") continue;
        if (!p->contains("single") || !(*p)["single"].is_array())
            return fail("post_processor.single", "missing or not an array");
        bool after = false;
        for (const auto& item : (*p)["single"]) {
            if (item.contains("Sequence")) {
                after = true;
                continue;
            }
            if (!item.contains("SpecialToken")) continue;
            const std::string name = item["SpecialToken"].value("id", "");
            std::vector<int32_t> ids;
            if (p->contains("special_tokens") && (*p)["special_tokens"].is_object() &&
                (*p)["special_tokens"].contains(name)) {
                const json& st = (*p)["special_tokens"][name];
                if (!st.is_object() || !st.contains("ids") || !st["ids"].is_array())
                    return fail("post_processor.special_tokens." + name, "needs an array 'ids'");
                for (const auto& x : st["ids"]) {
                    int32_t id = 0;
                    if (!read_id(x, &id)) return fail("post_processor.special_tokens." + name, why);
                    ids.push_back(id);
                }
            } else if (id_of(name) >= 0)
                ids.push_back(id_of(name));
            else
                return fail("post_processor.special_tokens",
                            "unknown special token '" + name + "'");
            auto& dst = after ? m_suffix : m_prefix;
            dst.insert(dst.end(), ids.begin(), ids.end());
        }
    }
    if (!opts.bos_token.empty()) m_bos = id_of(opts.bos_token);
    if (!opts.eos_token.empty()) m_eos = id_of(opts.eos_token);
    if (opts.add_bos >= 0) {
        m_prefix.clear();
        if (opts.add_bos && m_bos >= 0) m_prefix.push_back(m_bos);
    }
    if (opts.add_eos >= 0) {
        m_suffix.clear();
        if (opts.add_eos && m_eos >= 0) m_suffix.push_back(m_eos);
    }
    m_add_bos = !m_prefix.empty();
    m_add_eos = !m_suffix.empty();
    if (m_bos < 0 && !m_prefix.empty()) m_bos = m_prefix.front();
    if (m_eos < 0 && !m_suffix.empty()) m_eos = m_suffix.back();
    m_strip_leading_space = m_pipeline.strips_leading_space();
    return true;
}

// Merges by rank: repeatedly merge the adjacent pair of lowest rank, leftmost first
// (the order of the tokenizers crate's priority queue). symbols: initial ids.
void BpeTokenizer::bpe(const std::vector<int32_t>& symbols, const std::vector<uint32_t>& sym_len,
                       std::vector<Tok>* out) const {
    const size_t n = symbols.size();
    std::vector<int32_t> id(symbols);
    std::vector<uint32_t> len(sym_len);
    std::vector<int64_t> prev(n), next(n);
    for (size_t i = 0; i < n; ++i) {
        prev[i] = int64_t(i) - 1;
        next[i] = i + 1 < n ? int64_t(i + 1) : -1;
    }
    struct Cand {
        int32_t rank;
        int64_t pos;
        int32_t left_id, right_id; // to detect stale entries
        bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    std::priority_queue<Cand, std::vector<Cand>, std::greater<Cand>> q;
    auto push = [&](int64_t i) {
        if (i < 0 || next[size_t(i)] < 0) return;
        const int64_t j = next[size_t(i)];
        if (id[size_t(i)] < 0 || id[size_t(j)] < 0) return;
        auto it =
            m_merges.find((uint64_t(uint32_t(id[size_t(i)])) << 32) | uint32_t(id[size_t(j)]));
        if (it != m_merges.end()) q.push({it->second.first, i, id[size_t(i)], id[size_t(j)]});
    };
    for (size_t i = 0; i + 1 < n; ++i)
        push(int64_t(i));
    std::vector<bool> dead(n, false);
    while (!q.empty()) {
        const Cand c = q.top();
        q.pop();
        const size_t i = size_t(c.pos);
        if (dead[i] || id[i] != c.left_id || next[i] < 0) continue;
        const size_t j = size_t(next[i]);
        if (id[j] != c.right_id) continue;
        id[i] = m_merges.at((uint64_t(uint32_t(c.left_id)) << 32) | uint32_t(c.right_id)).second;
        len[i] += len[j];
        dead[j] = true;
        next[i] = next[j];
        if (next[j] >= 0) prev[size_t(next[j])] = int64_t(i);
        push(prev[i]);
        push(int64_t(i));
    }
    size_t pos = 0;
    for (int64_t i = n ? 0 : -1; i >= 0; i = next[size_t(i)]) {
        out->push_back({id[size_t(i)], pos, pos + len[size_t(i)]});
        pos += len[size_t(i)];
    }
}

void BpeTokenizer::encode_piece(const Piece& p, std::vector<Tok>* out) const {
    const std::string& s = p.text;
    if (s.empty()) return;
    {
        std::lock_guard<std::mutex> lock(m_cache_mutex);
        auto it = m_cache.find(s);
        if (it != m_cache.end()) {
            size_t pos = 0;
            for (auto [id, l] : it->second) {
                out->push_back({id, pos, pos + l});
                pos += l;
            }
            return;
        }
    }
    std::vector<Tok> toks;
    const bool bl = m_pipeline.byte_level();
    std::string word; // the piece in vocabulary spelling (byte-level chars when bl)
    if (bl)
        for (unsigned char c : s)
            word += byte_level_char(c);
    else
        word = s;
    const int32_t whole = m_ignore_merges ? id_of(word) : -1;
    if (whole >= 0) {
        toks.push_back({whole, 0, s.size()});
    } else {
        std::vector<int32_t> sym;
        std::vector<uint32_t> sym_len;
        if (bl) {
            for (unsigned char c : s) {
                sym.push_back(m_byte_ids[c]);
                sym_len.push_back(1);
            }
        } else {
            for (size_t i = 0; i < s.size();) {
                size_t k = i;
                utf8::next(s, k);
                const int32_t id = id_of(s.substr(i, k - i));
                if (id >= 0) {
                    sym.push_back(id);
                    sym_len.push_back(uint32_t(k - i));
                } else if (m_byte_fallback && m_byte_ids[static_cast<unsigned char>(s[i])] >= 0) {
                    for (size_t b = i; b < k; ++b) {
                        sym.push_back(m_byte_ids[static_cast<unsigned char>(s[b])]);
                        sym_len.push_back(1);
                    }
                } else {
                    sym.push_back(m_unk >= 0 ? -2 - m_unk : -1); // unk marker, never merges
                    sym_len.push_back(uint32_t(k - i));
                }
                i = k;
            }
        }
        bpe(sym, sym_len, &toks);
        for (auto& t : toks)
            if (t.id < 0) t.id = t.id == -1 ? -1 : -2 - t.id;
        if (m_fuse_unk) {
            std::vector<Tok> fused;
            for (const auto& t : toks)
                if (!fused.empty() && t.id == m_unk && fused.back().id == m_unk)
                    fused.back().end = t.end;
                else
                    fused.push_back(t);
            toks.swap(fused);
        }
        toks.erase(std::remove_if(toks.begin(), toks.end(), [](const Tok& t) { return t.id < 0; }),
                   toks.end());
    }
    {
        std::lock_guard<std::mutex> lock(m_cache_mutex);
        if (m_cache.size() > 200000) m_cache.clear();
        auto& v = m_cache[s];
        for (const auto& t : toks)
            v.emplace_back(t.id, uint32_t(t.end - t.begin));
    }
    out->insert(out->end(), toks.begin(), toks.end());
}

Encoding BpeTokenizer::encode(std::string_view input, bool add_special) const {
    // The pipeline may throw (a regex that gives up on this text, no memory); the text then
    // has no encoding and says why, and the next one is encoded as usual.
    try {
        return encode_text(input, add_special);
    } catch (const std::bad_alloc&) {
        Encoding e;
        e.error = "not enough memory to tokenize " + std::to_string(input.size()) + " bytes";
        return e;
    } catch (const std::exception& ex) {
        Encoding e;
        e.error = m_path + ": " + ex.what();
        return e;
    }
}

Encoding BpeTokenizer::encode_text(std::string_view input, bool add_special) const {
    Encoding e;
    utf8::repair(input, &e.text);
    const std::string& text = e.text;
    std::vector<std::pair<size_t, size_t>> ranges;
    auto emit = [&](int32_t id, size_t b, size_t en, bool synthetic, bool special) {
        e.ids.push_back(id);
        ranges.emplace_back(b, en);
        e.synthetic_prefix.push_back(synthetic);
        e.special.push_back(special);
    };
    if (add_special)
        for (int32_t id : m_prefix)
            emit(id, 0, 0, false, true);

    // 1. Added tokens split the raw text first.
    std::vector<std::tuple<size_t, size_t, const AddedToken*>> segs; // [b, e) and token or null
    size_t seg_start = 0;
    auto is_word = [&](size_t pos) {
        return pos < text.size() &&
               (std::isalnum(static_cast<unsigned char>(text[pos])) || text[pos] == '_');
    };
    for (size_t i = 0; i < text.size() && !m_added.empty();) {
        const AddedToken* hit = nullptr;
        for (uint16_t k : m_added_first[static_cast<unsigned char>(text[i])]) {
            const AddedToken& a = m_added[k];
            if (text.compare(i, a.content.size(), a.content) != 0) continue;
            if (a.single_word && ((i > 0 && is_word(i - 1)) || is_word(i + a.content.size())))
                continue;
            hit = &a;
            break;
        }
        if (!hit) {
            ++i;
            continue;
        }
        size_t b = i, en = i + hit->content.size();
        if (hit->lstrip)
            while (b > seg_start && std::isspace(static_cast<unsigned char>(text[b - 1])))
                --b;
        if (hit->rstrip)
            while (en < text.size() && std::isspace(static_cast<unsigned char>(text[en])))
                ++en;
        if (b > seg_start) segs.emplace_back(seg_start, b, nullptr);
        segs.emplace_back(b, en, hit);
        seg_start = i = en;
    }
    if (seg_start < text.size()) segs.emplace_back(seg_start, text.size(), nullptr);

    // 2. Normalize, pre-tokenize and run BPE on each text segment.
    std::vector<Piece> pieces;
    std::vector<Tok> toks;
    for (const auto& [b, en, added] : segs) {
        if (added) {
            emit(added->id, b, en, false, added->special);
            continue;
        }
        pieces.clear();
        m_pipeline.split(text, b, en, /*first=*/b == 0, &pieces);
        for (const Piece& p : pieces) {
            toks.clear();
            encode_piece(p, &toks);
            for (const auto& t : toks)
                emit(t.id, p.source_begin(t.begin), p.source_end(t.end), t.begin < p.synthetic,
                     false);
        }
    }
    if (add_special)
        for (int32_t id : m_suffix)
            emit(id, text.size(), text.size(), false, true);
    e.offsets = byte_ranges_to_char_offsets(text, ranges);
    return e;
}

std::string BpeTokenizer::token_bytes(int32_t id) const {
    const std::string tok = token_string(id);
    for (const auto& a : m_added)
        if (a.id == id) return a.content;
    if (m_pipeline.byte_level()) return byte_level_decode(tok);
    if (const int b = byte_fallback_value(tok); b >= 0) return std::string(1, char(b));
    return m_pipeline.undo_metaspace(tok);
}

} // namespace

std::unique_ptr<Tokenizer> load_bpe_tokenizer(const std::string& path, const BpeOptions& opts,
                                              std::string* error) {
    // Internals may throw (a JSON value of an unexpected type, no memory); the API does not.
    try {
        auto t = std::make_unique<BpeTokenizer>();
        if (!t->load(path, opts, error)) return nullptr;
        return t;
    } catch (const std::bad_alloc&) {
        *error = path + ": not enough memory to load the tokenizer";
    } catch (const std::exception& e) {
        *error = path + ": " + e.what();
    }
    return nullptr;
}

} // namespace ladm
