#include "bench/bench_common.h"

#include "tests/support/tiny_model.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace ladm::bench {

double current_rss_mb() {
    std::ifstream f("/proc/self/statm");
    long pages = 0, rss = 0;
    f >> pages >> rss;
    return double(rss) * double(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double peak_rss_mb() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return double(u.ru_maxrss) / 1024.0; // kB on Linux
}

double available_memory_mb() {
    std::ifstream f("/proc/meminfo");
    std::string key;
    long kb = 0;
    std::string unit;
    while (f >> key >> kb >> unit)
        if (key == "MemAvailable:") return double(kb) / 1024.0;
    return 0;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, sep))
        if (!item.empty()) out.push_back(item);
    return out;
}

std::vector<int64_t> parse_int_list(const std::string& s) {
    std::vector<int64_t> out;
    for (const auto& p : split(s, ','))
        out.push_back(std::stoll(p));
    return out;
}

nlohmann::json run_self(const char* argv0, const std::vector<std::string>& args,
                        std::string* error) {
    int out_pipe[2], err_pipe[2];
    if (::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0) {
        *error = "pipe failed";
        return nullptr;
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        std::vector<char*> av;
        std::string self = "/proc/self/exe";
        av.push_back(const_cast<char*>(argv0));
        for (const auto& a : args)
            av.push_back(const_cast<char*>(a.c_str()));
        av.push_back(nullptr);
        ::execv(self.c_str(), av.data());
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    std::string out, err;
    std::array<char, 4096> buf;
    // stderr is small; read stdout fully, then stderr
    for (ssize_t n; (n = ::read(out_pipe[0], buf.data(), buf.size())) > 0;)
        out.append(buf.data(), size_t(n));
    for (ssize_t n; (n = ::read(err_pipe[0], buf.data(), buf.size())) > 0;)
        err.append(buf.data(), size_t(n));
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        *error = "child failed (" +
                 (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                      : "exit " + std::to_string(WEXITSTATUS(status))) +
                 "): " + err.substr(err.size() > 2000 ? err.size() - 2000 : 0);
        return nullptr;
    }
    const auto pos = out.find_last_of('{');
    const auto line_start = out.rfind('\n', pos == std::string::npos ? 0 : pos);
    try {
        return nlohmann::json::parse(
            out.substr(line_start == std::string::npos ? 0 : line_start + 1));
    } catch (const std::exception& e) {
        *error = std::string("child printed no JSON: ") + e.what();
        return nullptr;
    }
}

std::string prepare_model(const std::string& name, const fs::path& tmp, std::string* error) {
    std::error_code ec;
    if (fs::is_directory(name, ec)) return name;
    test::TinyModelSpec s;
    if (name == "tinyllama-shape") {
        s.hidden = 2048;
        s.heads = 32;
        s.kv_heads = 4;
        s.intermediate = 5632;
        s.layers = 2;
        s.vocab = 1024; // the embedding table's size does not change the cost per token
    } else if (name == "default") {
        const fs::path bundled = fs::path(LADM_SOURCE_DIR) / "resources" / "calculator";
        if (fs::exists(bundled / "config.json", ec)) return bundled.string();
        // The bundled calculator's shape (see resources/calculator/README.md), random weights.
        s.hidden = 256;
        s.heads = 4;
        s.kv_heads = 2;
        s.intermediate = 768;
        s.layers = 4;
        s.vocab = 8192;
    } else {
        *error = "unknown model '" + name + "' (tinyllama-shape, default, or a checkpoint folder)";
        return {};
    }
    s.rope_theta = 500000.0;
    s.max_position_embeddings = 32768;
    s.qk_gain = 1.0;
    const fs::path dir = tmp / name;
    *error = test::write_tiny_checkpoint(dir.string(), s);
    return error->empty() ? dir.string() : std::string();
}

} // namespace ladm::bench
