#include "core/model/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#define XXH_INLINE_ALL // header-only: the model module links nothing but libtorch
#include <xxhash.h>

namespace fs = std::filesystem;

namespace ladm {

namespace {
bool read_file(const fs::path& p, std::string* out) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return false;
    std::stringstream ss;
    ss << in.rdbuf();
    *out = ss.str();
    return true;
}
// A shard name of model.safetensors.index.json may only name a file inside the folder:
// relative, without '..' (or empty) components.
bool inside_folder(const std::string& name) {
    if (name.empty() || name.find('\0') != std::string::npos) return false;
    const fs::path p(name);
    if (p.is_absolute() || p.has_root_name() || p.has_root_directory()) return false;
    for (const auto& part : p)
        if (part == ".." || part == "." || part.empty()) return false;
    return true;
}
} // namespace

std::string fingerprint_of(const std::vector<std::string>& blobs) {
    XXH3_state_t* st = XXH3_createState();
    XXH3_128bits_reset(st);
    for (const auto& b : blobs) {
        const uint64_t n = b.size(); // length-prefix so blob boundaries matter
        XXH3_128bits_update(st, &n, sizeof n);
        XXH3_128bits_update(st, b.data(), b.size());
    }
    XXH128_hash_t h = XXH3_128bits_digest(st);
    XXH3_freeState(st);
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", (unsigned long long)h.high64,
                  (unsigned long long)h.low64);
    return buf;
}

std::unique_ptr<Checkpoint> Checkpoint::open(const std::string& dir, std::string* error) {
    const fs::path root(dir);
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
        *error = dir + ": not a directory (expected a Hugging Face checkpoint folder)";
        return nullptr;
    }
    std::unique_ptr<Checkpoint> ck(new Checkpoint);
    ck->m_dir = dir;
    std::vector<std::string> blobs;

    const fs::path config_path = root / "config.json";
    std::string config_text;
    if (!read_file(config_path, &config_text)) {
        *error = config_path.string() + ": missing or unreadable";
        return nullptr;
    }
    auto cfg = ModelConfig::from_json_text(config_text, config_path.string(), error);
    if (!cfg) return nullptr;
    ck->m_config = *cfg;
    blobs.push_back(config_text);

    // Which weight files: the sharded index if present, else model.safetensors.
    std::vector<std::string> shard_names;
    const fs::path index_path = root / "model.safetensors.index.json";
    const fs::path single_path = root / "model.safetensors";
    std::map<std::string, std::string> index_map;
    if (fs::exists(index_path, ec)) {
        std::string text;
        if (!read_file(index_path, &text)) {
            *error = index_path.string() + ": unreadable";
            return nullptr;
        }
        try {
            auto j = nlohmann::json::parse(text);
            if (!j.contains("weight_map") || !j["weight_map"].is_object()) {
                *error = index_path.string() + ": missing object 'weight_map'";
                return nullptr;
            }
            std::set<std::string> seen;
            for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
                if (!it.value().is_string()) {
                    *error =
                        index_path.string() + ": weight_map['" + it.key() + "'] is not a file name";
                    return nullptr;
                }
                const std::string f = it.value().get<std::string>();
                if (!inside_folder(f)) {
                    *error = index_path.string() + ": weight_map['" + it.key() + "'] names '" + f +
                             "', which is not a file inside the checkpoint folder (only plain "
                             "relative names without '..' are allowed)";
                    return nullptr;
                }
                index_map[it.key()] = f;
                if (seen.insert(f).second) shard_names.push_back(f);
            }
        } catch (const std::exception& e) {
            *error = index_path.string() + ": not valid JSON: " + e.what();
            return nullptr;
        }
    } else if (fs::exists(single_path, ec)) {
        shard_names.push_back("model.safetensors");
    } else {
        *error = dir + ": no model.safetensors or model.safetensors.index.json "
                       "(only safetensors checkpoints are supported; convert .bin files first)";
        return nullptr;
    }

    for (const auto& name : shard_names) {
        const fs::path p = root / name;
        auto f = SafetensorsFile::open(p.string(), error);
        if (!f) return nullptr;
        for (const auto& [tname, view] : f->tensors()) {
            auto it = index_map.find(tname);
            if (!index_map.empty() && (it == index_map.end() || it->second != name))
                continue; // tensor not claimed by the index for this shard
            ck->m_where[tname] = ck->m_files.size();
        }
        blobs.push_back(name);
        blobs.push_back(f->header());
        ck->m_files.push_back(std::move(f));
    }
    for (const auto& [tname, file] : index_map) {
        if (!ck->m_where.count(tname)) {
            *error = (root / file).string() + ": tensor '" + tname +
                     "' listed in model.safetensors.index.json is not in the file";
            return nullptr;
        }
    }

    for (const char* tok : {"tokenizer.model", "tokenizer.json", "tokenizer_config.json"}) {
        std::string text;
        if (read_file(root / tok, &text)) {
            blobs.push_back(tok);
            blobs.push_back(text);
        }
    }
    ck->m_fingerprint = fingerprint_of(blobs);
    return ck;
}

const TensorView* Checkpoint::find(const std::string& name) const {
    auto it = m_where.find(name);
    if (it == m_where.end()) return nullptr;
    return m_files[it->second]->find(name);
}

std::string Checkpoint::file_of(const std::string& name) const {
    auto it = m_where.find(name);
    if (it != m_where.end()) return m_files[it->second]->path();
    if (m_files.size() == 1) return m_files[0]->path();
    return (fs::path(m_dir) / "model.safetensors.index.json").string();
}

int64_t Checkpoint::layers_in_files() const {
    int64_t n = 0;
    static const std::string prefix = "model.layers.";
    for (const auto& [name, _] : m_where) {
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        int64_t k = 0;
        size_t i = prefix.size(), digits = 0;
        for (; i < name.size() && name[i] >= '0' && name[i] <= '9' && digits < 9; ++i, ++digits)
            k = k * 10 + (name[i] - '0');
        if (digits && i < name.size() && name[i] == '.') n = std::max(n, k + 1);
    }
    return n;
}

size_t Checkpoint::weight_bytes() const {
    size_t n = 0;
    for (const auto& f : m_files)
        for (const auto& [_, v] : f->tensors())
            n += v.nbytes;
    return n;
}

} // namespace ladm
