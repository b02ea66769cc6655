// A Hugging Face checkpoint folder: config.json, model.safetensors or a sharded
// model.safetensors.index.json, tokenizer files. Torch-free; the engine turns the
// memory-mapped tensors into model weights.
#pragma once

#include "core/model/model_config.h"
#include "core/model/safetensors.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ladm {

class Checkpoint {
  public:
    // Reads config.json and maps every safetensors file. nullptr + *error on failure.
    static std::unique_ptr<Checkpoint> open(const std::string& dir, std::string* error);

    const std::string& dir() const { return m_dir; }
    const ModelConfig& config() const { return m_config; }
    // nullptr when no file holds the tensor.
    const TensorView* find(const std::string& name) const;
    // Which file a tensor lives in (for error messages).
    std::string file_of(const std::string& name) const;
    // Hex digest of config.json + every safetensors header + tokenizer files.
    const std::string& fingerprint() const { return m_fingerprint; }
    size_t weight_bytes() const;
    // 1 + the highest N of the model.layers.N.* tensors the files hold (0 if none).
    int64_t layers_in_files() const;

  private:
    std::string m_dir;
    ModelConfig m_config;
    std::vector<std::unique_ptr<SafetensorsFile>> m_files;
    std::map<std::string, size_t> m_where; // tensor name -> index into m_files
    std::string m_fingerprint;
};

// Hashes a sequence of byte blobs into a 32-hex-digit fingerprint (XXH3-128).
std::string fingerprint_of(const std::vector<std::string>& blobs);

} // namespace ladm
