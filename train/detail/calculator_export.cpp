// train-calculator's file output: the SentencePiece trainer run, JSON files and the
// Hugging Face checkpoint export (see calculator_export.h).
#include "train/detail/calculator_export.h"

#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

namespace fs = std::filesystem;

namespace ladm {

bool run_spm_train(const std::string& flags, const std::string& log, const std::string& cwd,
                   std::string* error) {
    std::vector<std::string> args{"spm_train"};
    std::istringstream ss(flags);
    for (std::string a; ss >> a;)
        args.push_back(a);
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str()); // after opening the log
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, "spm_train", &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        *error = "cannot run spm_train (install Debian's sentencepiece package): " +
                 std::string(std::strerror(rc));
        return false;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        *error = "spm_train failed; see " + log;
        return false;
    }
    return true;
}

bool write_json(const fs::path& p, const nlohmann::json& j, std::string* error) {
    std::ofstream f(p);
    f << j.dump(2) << "\n";
    if (!f) {
        *error = p.string() + ": write failed";
        return false;
    }
    return true;
}

bool export_checkpoint(const TrainOptions& o, int64_t vocab,
                       const std::vector<std::pair<std::string, torch::Tensor>>& params,
                       std::string* error) {
    const fs::path dir(o.out_dir);
    nlohmann::json cfg = {
        {"architectures", {"LlamaForCausalLM"}},
        {"model_type", "llama"},
        {"hidden_size", o.hidden},
        {"num_hidden_layers", o.layers},
        {"num_attention_heads", o.heads},
        {"num_key_value_heads", o.kv_heads},
        {"intermediate_size", o.intermediate},
        {"vocab_size", vocab},
        {"max_position_embeddings", o.max_positions},
        {"rms_norm_eps", 1e-5},
        {"rope_theta", o.rope_theta},
        {"rope_scaling", nullptr},
        {"tie_word_embeddings", true},
        {"attention_bias", false},
        {"hidden_act", "silu"},
        {"bos_token_id", 1},
        {"eos_token_id", 2},
        {"torch_dtype", o.export_bf16 ? "bfloat16" : "float32"},
        // the recipe: with the seed, what reproduces these weights from the same text
        {"ladm_studio_training",
         {{"seed", o.seed},
          {"steps", o.steps},
          {"seq_len", o.seq_len},
          {"batch", o.batch},
          {"long_steps", o.long_steps},
          {"long_seq_len", o.long_seq_len},
          {"long_batch", o.long_batch},
          {"lr", o.lr},
          {"retrieval_weight", o.retrieval_weight},
          {"match_theta", o.match_theta},
          {"domain_rarity", o.domain_rarity},
          {"skip_punctuation_matches", o.skip_punctuation_matches},
          {"balance_kinds", o.balance_kinds},
          {"tokenizer_by_kind", o.tokenizer_by_kind},
          {"context_factor", o.context_factor},
          {"held_out_fraction", o.held_out_fraction},
          {"leave_out", o.leave_out}}}};
    if (!write_json(dir / "config.json", cfg, error)) return false;
    // safetensors: 8-byte header length, JSON header, raw little-endian data
    nlohmann::json header = {{"__metadata__", {{"format", "pt"}}}};
    std::vector<torch::Tensor> data;
    uint64_t off = 0;
    for (const auto& [name, t] : params) {
        auto c = t.detach().to(o.export_bf16 ? torch::kBFloat16 : torch::kFloat32).contiguous();
        const uint64_t n = uint64_t(c.numel() * c.element_size());
        header[name] = {{"dtype", o.export_bf16 ? "BF16" : "F32"},
                        {"shape", c.sizes().vec()},
                        {"data_offsets", {off, off + n}}};
        off += n;
        data.push_back(c);
    }
    std::string h = header.dump();
    while ((8 + h.size()) % 8)
        h.push_back(' ');
    const fs::path tmp = dir / "model.safetensors.tmp";
    {
        std::ofstream f(tmp, std::ios::binary);
        uint64_t len = h.size();
        unsigned char lb[8];
        for (int i = 0; i < 8; ++i)
            lb[i] = (len >> (8 * i)) & 0xff;
        f.write(reinterpret_cast<const char*>(lb), 8);
        f.write(h.data(), std::streamsize(h.size()));
        for (const auto& c : data)
            f.write(static_cast<const char*>(c.data_ptr()),
                    std::streamsize(c.numel() * c.element_size()));
        if (!f) {
            *error = tmp.string() + ": write failed";
            return false;
        }
    }
    fs::rename(tmp, dir / "model.safetensors");
    return true;
}

} // namespace ladm
