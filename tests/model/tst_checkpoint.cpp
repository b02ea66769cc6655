// Bad checkpoints: one clear error naming the file or tensor, never a crash.
#include "core/model/engine.h"
#include "tests/support/check.h"
#include "tests/support/tiny_model.h"

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace ladm;

namespace {
std::string open_error(const std::string& dir) {
    std::string err;
    EngineOptions o;
    o.device = "cpu";
    auto e = Engine::open(dir, o, &err);
    return e ? std::string() : err;
}

void write_file(const std::string& path, const std::string& data) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    CHECK(f.good());
    f << data;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

bool has(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

void replace_first(std::string& s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    CHECK_MSG(at != std::string::npos, from);
    s.replace(at, from.size(), to);
}

// A fresh one-layer tiny checkpoint in its own folder for each case.
struct Fixture {
    check::TempDir tmp;
    std::string dir = tmp.file("ck");
    Fixture() {
        test::TinyModelSpec spec;
        spec.layers = 1;
        CHECK_EQ(test::write_tiny_checkpoint(dir, spec), std::string());
    }
};
} // namespace

TEST_CASE(goodCheckpointOpens) {
    Fixture fx;
    const std::string& m_dir = fx.dir;
    CHECK_EQ(open_error(m_dir), std::string());
}

TEST_CASE(missingFolder) {
    Fixture fx;
    const std::string& m_dir = fx.dir;
    const std::string err = open_error(m_dir + "/nope");
    CHECK(has(err, "nope") && has(err, "not a directory"));
}

TEST_CASE(missingConfig) {
    Fixture fx;
    const std::string& m_dir = fx.dir;
    std::filesystem::remove(m_dir + "/config.json");
    const std::string err = open_error(m_dir);
    CHECK_MSG(has(err, "config.json") && has(err, "missing"), err);
}

TEST_CASE(missingWeights) {
    Fixture fx;
    const std::string& m_dir = fx.dir;
    std::filesystem::remove(m_dir + "/model.safetensors");
    const std::string err = open_error(m_dir);
    CHECK_MSG(has(err, "no model.safetensors"), err);
}

TEST_CASE(unknownModelType) {
    Fixture fx;
    const std::string& m_dir = fx.dir;
    std::string cfg = read_file(m_dir + "/config.json");
    replace_first(cfg, "\"model_type\": \"llama\"", "\"model_type\": \"gpt_neox\"");
    write_file(m_dir + "/config.json", cfg);
    const std::string err = open_error(m_dir);
    CHECK_MSG(has(err, "config.json") && has(err, "gpt_neox"), err);
}

TEST_CASE(badConfigValue) {
    Fixture fx;
    const std::string& m_dir = fx.dir;
    std::string cfg = read_file(m_dir + "/config.json");
    replace_first(cfg, "\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3");
    write_file(m_dir + "/config.json", cfg);
    const std::string err = open_error(m_dir);
    CHECK_MSG(has(err, "config.json") && has(err, "num_key_value_heads"), err);
}

TEST_CASE(shapeDisagreesWithConfig) {
    Fixture fx;
    const std::string& m_dir = fx.dir;
    std::string cfg = read_file(m_dir + "/config.json");
    replace_first(cfg, "\"intermediate_size\": 48", "\"intermediate_size\": 40");
    write_file(m_dir + "/config.json", cfg);
    const std::string err = open_error(m_dir);
    CHECK_MSG(has(err, "model.safetensors") && has(err, "model.layers.0.mlp.gate_proj.weight") &&
                  has(err, "[48, 32]") && has(err, "[40, 32]"),
              err);
}

TEST_CASE(missingTensor) {
    Fixture fx;
    const std::string& m_dir = fx.dir;
    test::write_safetensors(
        m_dir + "/model.safetensors",
        {{"model.embed_tokens.weight", "F32", {97, 32}, std::vector<float>(97 * 32, 0.f)}});
    const std::string err = open_error(m_dir);
    CHECK_MSG(has(err, "missing tensor") && has(err, "model.norm.weight"), err);
}

TEST_CASE(truncatedFile) {
    Fixture fx;
    const std::string& m_dir = fx.dir;
    std::string data = read_file(m_dir + "/model.safetensors");
    write_file(m_dir + "/model.safetensors", data.substr(0, data.size() - 100));
    const std::string err = open_error(m_dir);
    CHECK_MSG(has(err, "model.safetensors") && has(err, "past the end") && has(err, "tensor '"),
              err);
    write_file(m_dir + "/model.safetensors", data.substr(0, 5));
    CHECK(has(open_error(m_dir), "truncated"));
}

TEST_CASE(headerLengthPastEnd) {
    Fixture fx;
    const std::string& m_dir = fx.dir;
    std::string data = read_file(m_dir + "/model.safetensors");
    data[6] = char(0x7f); // header length ~ 2^55
    write_file(m_dir + "/model.safetensors", data);
    const std::string err = open_error(m_dir);
    CHECK_MSG(has(err, "model.safetensors") && has(err, "header length"), err);
}

TEST_CASE(offsetsPastEnd) {
    Fixture fx;
    // A well-formed file whose header points one tensor past the data.
    const std::string path = fx.dir + "/model.safetensors";
    const std::string data = read_file(path);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | uint8_t(data[size_t(i)]);
    std::string header = data.substr(8, n);
    const size_t pos = header.find("model.norm.weight");
    const size_t off = header.find("data_offsets", pos);
    const size_t open = header.find('[', off), close = header.find(']', off);
    header.replace(open, close - open + 1, "[0,99999999]");
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i)
        out[size_t(i)] = char((uint64_t(header.size()) >> (8 * i)) & 0xff);
    out += header;
    out += data.substr(8 + n);
    write_file(path, out);
    const std::string err = open_error(fx.dir);
    CHECK_MSG(has(err, "model.norm.weight") && has(err, "past the end"), err);
}

TEST_CASE(unsupportedDtype) {
    Fixture fx;
    const std::string& m_dir = fx.dir;
    test::write_safetensors(
        m_dir + "/model.safetensors",
        {{"model.embed_tokens.weight", "F64", {97, 32}, std::vector<float>(97 * 32, 0.f)}});
    const std::string err = open_error(m_dir);
    CHECK_MSG(has(err, "model.embed_tokens.weight") && has(err, "unsupported dtype F64"), err);
}

TEST_CASE(headerNotJson) {
    Fixture fx;
    std::string bad(8, '\0');
    bad[0] = 4;
    bad += "{{{{";
    write_file(fx.dir + "/model.safetensors", bad);
    const std::string err = open_error(fx.dir);
    CHECK_MSG(has(err, "model.safetensors") && has(err, "not valid JSON"), err);
}

TEST_CASE(indexNamesMissingTensor) {
    Fixture fx;
    const std::string& m_dir = fx.dir;
    test::TinyModelSpec spec;
    spec.layers = 1;
    spec.shards = 2;
    const std::string dir = fx.tmp.file("sharded");
    test::write_tiny_checkpoint(dir, spec);
    CHECK_EQ(open_error(dir), std::string());
    std::string idx = read_file(dir + "/model.safetensors.index.json");
    replace_first(idx, "\"model.norm.weight\"", "\"model.norm.weightX\"");
    write_file(dir + "/model.safetensors.index.json", idx);
    const std::string err = open_error(dir);
    CHECK_MSG(has(err, "model.norm.weightX"), err);
}

CHECK_MAIN()
