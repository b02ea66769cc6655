// Bad checkpoints: one clear error naming the file or tensor, never a crash.
#include "core/model/engine.h"
#include "core/model/safetensors.h"
#include "tests/support/check.h"
#include "tests/support/tiny_model.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
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
    CHECK_EQ(open_error(fx.dir), std::string());
}

TEST_CASE(missingFolder) {
    Fixture fx;
    const std::string err = open_error(fx.dir + "/nope");
    CHECK(has(err, "nope") && has(err, "not a directory"));
}

TEST_CASE(missingConfig) {
    Fixture fx;
    std::filesystem::remove(fx.dir + "/config.json");
    const std::string err = open_error(fx.dir);
    CHECK_MSG(has(err, "config.json") && has(err, "missing"), err);
}

TEST_CASE(missingWeights) {
    Fixture fx;
    std::filesystem::remove(fx.dir + "/model.safetensors");
    const std::string err = open_error(fx.dir);
    CHECK_MSG(has(err, "no model.safetensors"), err);
}

TEST_CASE(unknownModelType) {
    Fixture fx;
    std::string cfg = read_file(fx.dir + "/config.json");
    replace_first(cfg, "\"model_type\": \"llama\"", "\"model_type\": \"gpt_neox\"");
    write_file(fx.dir + "/config.json", cfg);
    const std::string err = open_error(fx.dir);
    CHECK_MSG(has(err, "config.json") && has(err, "gpt_neox"), err);
}

TEST_CASE(badConfigValue) {
    Fixture fx;
    std::string cfg = read_file(fx.dir + "/config.json");
    replace_first(cfg, "\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3");
    write_file(fx.dir + "/config.json", cfg);
    const std::string err = open_error(fx.dir);
    CHECK_MSG(has(err, "config.json") && has(err, "num_key_value_heads"), err);
}

TEST_CASE(shapeDisagreesWithConfig) {
    Fixture fx;
    std::string cfg = read_file(fx.dir + "/config.json");
    replace_first(cfg, "\"intermediate_size\": 48", "\"intermediate_size\": 40");
    write_file(fx.dir + "/config.json", cfg);
    const std::string err = open_error(fx.dir);
    CHECK_MSG(has(err, "model.safetensors") && has(err, "model.layers.0.mlp.gate_proj.weight") &&
                  has(err, "[48, 32]") && has(err, "[40, 32]"),
              err);
}

TEST_CASE(missingTensor) {
    Fixture fx;
    test::write_safetensors(
        fx.dir + "/model.safetensors",
        {{"model.embed_tokens.weight", "F32", {97, 32}, std::vector<float>(97 * 32, 0.f)}});
    const std::string err = open_error(fx.dir);
    CHECK_MSG(has(err, "missing tensor") && has(err, "model.norm.weight"), err);
}

TEST_CASE(truncatedFile) {
    Fixture fx;
    std::string data = read_file(fx.dir + "/model.safetensors");
    write_file(fx.dir + "/model.safetensors", data.substr(0, data.size() - 100));
    const std::string err = open_error(fx.dir);
    CHECK_MSG(has(err, "model.safetensors") && has(err, "past the end") && has(err, "tensor '"),
              err);
    write_file(fx.dir + "/model.safetensors", data.substr(0, 5));
    CHECK(has(open_error(fx.dir), "truncated"));
}

TEST_CASE(headerLengthPastEnd) {
    Fixture fx;
    std::string data = read_file(fx.dir + "/model.safetensors");
    data[6] = char(0x7f); // header length ~ 2^55
    write_file(fx.dir + "/model.safetensors", data);
    const std::string err = open_error(fx.dir);
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
    test::write_safetensors(
        fx.dir + "/model.safetensors",
        {{"model.embed_tokens.weight", "F64", {97, 32}, std::vector<float>(97 * 32, 0.f)}});
    const std::string err = open_error(fx.dir);
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

namespace {
nlohmann::json read_json(const std::string& path) {
    return nlohmann::json::parse(read_file(path));
}
void write_json(const std::string& path, const nlohmann::json& j) {
    write_file(path, j.dump(2));
}

// Absolute byte range of a tensor's data in a safetensors file.
std::pair<size_t, size_t> data_range(const std::string& data, const std::string& tensor) {
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | uint8_t(data[size_t(i)]);
    const auto h = nlohmann::json::parse(data.substr(8, n));
    const auto off = h.at(tensor).at("data_offsets");
    return {8 + n + off[0].get<size_t>(), 8 + n + off[1].get<size_t>()};
}
} // namespace

TEST_CASE(impossibleConfigValues) {
    // Each used to load and score with NaN (status ok, CDS NULL) or nonsense.
    struct Row {
        const char* key;
        nlohmann::json value;
        const char* expect;
    };
    const Row rows[] = {
        {"rope_theta", 0, "rope_theta"},
        {"rope_theta", -10000.0, "rope_theta"},
        {"rms_norm_eps", -1e-6, "rms_norm_eps"},
        {"max_position_embeddings", 0, "max_position_embeddings"},
        {"max_position_embeddings", -5, "max_position_embeddings"},
        {"rope_scaling", {{"type", "linear"}, {"factor", 0}}, "rope_scaling.factor"},
        {"rope_scaling", {{"type", "dynamic"}, {"factor", -2.0}}, "rope_scaling.factor"},
        {"rope_scaling",
         {{"rope_type", "llama3"},
          {"factor", 8.0},
          {"low_freq_factor", 4.0},
          {"high_freq_factor", 4.0},
          {"original_max_position_embeddings", 8192}},
         "high_freq_factor"},
    };
    for (const auto& r : rows) {
        Fixture fx;
        auto cfg = read_json(fx.dir + "/config.json");
        cfg[r.key] = r.value;
        write_json(fx.dir + "/config.json", cfg);
        const std::string err = open_error(fx.dir);
        CHECK_MSG(has(err, "config.json") && has(err, r.expect), r.key << ": '" << err << "'");
    }
}

TEST_CASE(fewerLayersInConfigWarns) {
    check::TempDir tmp;
    const std::string dir = tmp.file("ck");
    test::TinyModelSpec spec; // 2 layers in the weights
    CHECK_EQ(test::write_tiny_checkpoint(dir, spec), std::string());
    auto cfg = read_json(dir + "/config.json");
    cfg["num_hidden_layers"] = 1;
    write_json(dir + "/config.json", cfg);
    std::string err;
    EngineOptions o;
    o.device = "cpu";
    auto e = Engine::open(dir, o, &err);
    CHECK_MSG(e, err);
    bool warned = false;
    for (const auto& w : e->info().warnings)
        warned = warned || (has(w, "num_hidden_layers = 1") && has(w, "2 layers"));
    CHECK(warned);
}

TEST_CASE(indexNamesOnlyFilesInside) {
    // weight_map used to follow '..' and absolute paths out of the checkpoint folder.
    for (const std::string target :
         {"../outside.safetensors", "/tmp/x.safetensors", "sub/../../outside.safetensors", ""}) {
        check::TempDir tmp;
        const std::string dir = tmp.file("ck");
        test::TinyModelSpec spec;
        spec.layers = 1;
        spec.shards = 2;
        CHECK_EQ(test::write_tiny_checkpoint(dir, spec), std::string());
        auto idx = read_json(dir + "/model.safetensors.index.json");
        const std::string shard = idx["weight_map"]["model.norm.weight"];
        // A real file there, so that following the path would have "worked".
        std::filesystem::copy_file(dir + "/" + shard, tmp.file("outside.safetensors"));
        idx["weight_map"]["model.norm.weight"] = target;
        write_json(dir + "/model.safetensors.index.json", idx);
        const std::string err = open_error(dir);
        CHECK_MSG(has(err, "model.safetensors.index.json") && has(err, "model.norm.weight") &&
                      has(err, "not a file inside the checkpoint folder"),
                  target << ": '" << err << "'");
    }
}

TEST_CASE(shapeProductOverflows) {
    // [2^62, 4] F32 needs 2^66 bytes; in wrapping 64-bit arithmetic that is 0, which a
    // 0-byte data_offsets range used to satisfy.
    check::TempDir tmp;
    const std::string path = tmp.file("model.safetensors");
    const std::string header =
        R"({"model.norm.weight":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}})";
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i)
        out[size_t(i)] = char((uint64_t(header.size()) >> (8 * i)) & 0xff);
    write_file(path, out + header);
    std::string err;
    CHECK(!SafetensorsFile::open(path, &err));
    CHECK_MSG(has(err, "model.norm.weight") && has(err, "64 bits"), err);
    // A zero dimension anywhere makes an empty tensor, whatever the others.
    const std::string empty =
        R"({"t":{"dtype":"F32","shape":[4,4611686018427387904,0],"data_offsets":[0,0]}})";
    std::string out2(8, '\0');
    for (int i = 0; i < 8; ++i)
        out2[size_t(i)] = char((uint64_t(empty.size()) >> (8 * i)) & 0xff);
    write_file(path, out2 + empty);
    auto f = SafetensorsFile::open(path, &err);
    CHECK_MSG(f, err);
    CHECK_EQ(f->find("t")->numel(), int64_t(0));
}

TEST_CASE(nanWeightsFailTheSample) {
    // All-NaN query weights used to give status ok with CDS NaN (stored as NULL, shown as 0).
    check::TempDir tmp;
    const std::string dir = tmp.file("ck");
    test::TinyModelSpec spec;
    CHECK_EQ(test::write_tiny_checkpoint(dir, spec), std::string());
    std::string data = read_file(dir + "/model.safetensors");
    const auto [b, e] = data_range(data, "model.layers.1.self_attn.q_proj.weight");
    for (size_t i = b; i < e; ++i)
        data[i] = char(0xff); // 0xffffffff is a float NaN
    write_file(dir + "/model.safetensors", data);
    EngineOptions o;
    o.device = "cpu";
    std::string err;
    auto engine = Engine::open(dir, o, &err);
    CHECK_MSG(engine, err);
    LadmParams p;
    p.span = 16;
    p.d_afs = 2;
    p.d_cds = 2;
    const auto r = engine->score(test::random_ids(400, spec.vocab, 3), p);
    CHECK(r.status == ScoreStatus::Error);
    CHECK_MSG(has(r.error, "not finite"), r.error);
}

CHECK_MAIN()
