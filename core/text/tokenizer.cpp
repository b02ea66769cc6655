#include "core/text/tokenizer.h"

#include "core/text/bpe_tokenizer.h"
#include "core/text/sp_tokenizer.h"
#include "core/text/utf8.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace fs = std::filesystem;

namespace ladm {

std::vector<std::pair<int64_t, int64_t>>
byte_ranges_to_char_offsets(std::string_view text,
                            const std::vector<std::pair<size_t, size_t>>& bytes) {
    utf8::CharIndex idx(text);
    std::vector<std::pair<int64_t, int64_t>> out;
    out.reserve(bytes.size());
    for (auto [b, e] : bytes)
        out.emplace_back(idx.chars_completed_by(b), idx.chars_completed_by(e));
    return out;
}

std::string marker_to_spaces(const std::string& piece, const std::string& marker) {
    std::string out;
    for (size_t p = 0; p < piece.size();) {
        if (!marker.empty() && piece.compare(p, marker.size(), marker) == 0) {
            out.push_back(' ');
            p += marker.size();
        } else
            out.push_back(piece[p++]);
    }
    return out;
}

int byte_fallback_value(std::string_view piece) {
    if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return -1;
    auto hex = [](char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    const int hi = hex(piece[3]), lo = hex(piece[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

bool Tokenizer::is_special(int32_t id) const {
    return std::find(m_special_ids.begin(), m_special_ids.end(), id) != m_special_ids.end() ||
           id == m_bos || id == m_eos;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const {
    std::string raw;
    for (int32_t id : ids)
        if (!is_special(id)) raw += token_bytes(id);
    if (m_strip_leading_space && !raw.empty() && raw[0] == ' ') raw.erase(0, 1);
    std::string out;
    utf8::repair(raw, &out);
    return out;
}

std::string Tokenizer::decode_run(const Encoding& e, size_t i, size_t j) const {
    std::string out;
    for (size_t k = i; k < j && k < e.ids.size(); ++k) {
        if (e.special[k] && e.offsets[k].first == e.offsets[k].second) continue; // added by us
        std::string b = token_bytes(e.ids[k]);
        if (e.synthetic_prefix[k] && !b.empty() && b[0] == ' ') b.erase(0, 1);
        out += b;
    }
    return out;
}

namespace {

bool read_json(const fs::path& p, nlohmann::json* out, std::string* error) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        *error = p.string() + ": cannot read";
        return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    try {
        *out = nlohmann::json::parse(ss.str());
    } catch (const std::exception& e) {
        *error = p.string() + ": not valid JSON: " + e.what();
        return false;
    }
    if (!out->is_object()) {
        *error = p.string() + ": not a JSON object";
        return false;
    }
    return true;
}

// bos_token may be a string or an AddedToken object {"content": ...}.
std::string token_field(const nlohmann::json& cfg, const char* key) {
    if (!cfg.contains(key)) return {};
    const auto& v = cfg[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v["content"].is_string())
        return v["content"].get<std::string>();
    return {};
}

int bool_field(const nlohmann::json& cfg, const char* key, const fs::path& file,
               std::string* error) {
    if (!cfg.contains(key) || cfg[key].is_null()) return -1;
    if (!cfg[key].is_boolean()) {
        *error = file.string() + ": " + key + ": must be true or false";
        return -2;
    }
    return cfg[key].get<bool>() ? 1 : 0;
}

} // namespace

std::unique_ptr<Tokenizer> Tokenizer::from_dir(const std::string& dir, std::string* error) {
    const fs::path root(dir);
    nlohmann::json cfg = nlohmann::json::object();
    const fs::path cfg_path = root / "tokenizer_config.json";
    std::error_code ec;
    if (fs::exists(cfg_path, ec) && !read_json(cfg_path, &cfg, error)) return nullptr;
    const int add_bos = bool_field(cfg, "add_bos_token", cfg_path, error);
    const int add_eos = bool_field(cfg, "add_eos_token", cfg_path, error);
    if (add_bos == -2 || add_eos == -2) return nullptr;
    const std::string cls = cfg.value("tokenizer_class", std::string());
    // transformers' Llama/Gemma tokenizers build BOS/EOS from add_bos_token/add_eos_token
    // (defaults True/False); other fast tokenizers use tokenizer.json's post-processor.
    const bool llama_like =
        cls.rfind("Llama", 0) == 0 || cls.rfind("CodeLlama", 0) == 0 || cls.rfind("Gemma", 0) == 0;

    if (fs::exists(root / "tokenizer.json", ec)) {
        BpeOptions o;
        o.bos_token = token_field(cfg, "bos_token");
        o.eos_token = token_field(cfg, "eos_token");
        if (llama_like) {
            o.add_bos = add_bos < 0 ? 1 : add_bos;
            o.add_eos = add_eos < 0 ? 0 : add_eos;
        }
        return load_bpe_tokenizer((root / "tokenizer.json").string(), o, error);
    }
    if (fs::exists(root / "tokenizer.model", ec)) {
        SpOptions o;
        if (add_bos >= 0) o.add_bos = add_bos;
        if (add_eos >= 0) o.add_eos = add_eos;
        return load_sp_tokenizer((root / "tokenizer.model").string(), o, error);
    }
    *error = dir + ": no tokenizer.json or tokenizer.model";
    return nullptr;
}

} // namespace ladm
