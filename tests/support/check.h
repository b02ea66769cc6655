// A small header-only test harness for the engine's suites, which must also build where
// there is no Qt (the engine-only build, e.g. against a CUDA libtorch; see docs/gpu.md).
//
//   TEST_CASE(spansAreAnchored) {
//       CHECK_EQ(query_span_starts(2305, LadmParams{}).size(), size_t(1));
//   }
//   CHECK_MAIN()
//
// A failed CHECK ends its case (as Qt Test's QVERIFY does) and the next case runs; the
// process exits 1 when any case failed. `prog NAME...` runs only the named cases.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace ladm::check {

struct Case {
    const char* name;
    void (*fn)();
};

inline std::vector<Case>& registry() {
    static std::vector<Case> cases;
    return cases;
}

struct Registrar {
    Registrar(const char* name, void (*fn)()) { registry().push_back({name, fn}); }
};

struct Failure {
    std::string message;
};

[[noreturn]] inline void fail(const char* file, int line, const std::string& what) {
    std::ostringstream s;
    s << file << ":" << line << ": " << what;
    throw Failure{s.str()};
}

// Streams v when it can be streamed (enums and containers print a placeholder).
template <typename T> void put(std::ostream& s, const T& v) {
    if constexpr (requires { s << v; })
        s << v;
    else
        s << "(not printable)";
}

template <typename A, typename B>
void check_eq(const A& a, const B& b, const char* ea, const char* eb, const char* file, int line) {
    if (a == b) return;
    std::ostringstream s;
    s << "CHECK_EQ(" << ea << ", " << eb << ")\n   actual:   ";
    put(s, a);
    s << "\n   expected: ";
    put(s, b);
    fail(file, line, s.str());
}

// A temporary folder removed with everything in it when the object goes.
class TempDir {
  public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "ladm-check-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) std::abort();
        m_path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string path() const { return m_path.string(); }
    std::string file(const std::string& name) const { return (m_path / name).string(); }

  private:
    std::filesystem::path m_path;
};

inline int run_all(int argc, char** argv) {
    int failed = 0, ran = 0;
    for (const auto& c : registry()) {
        bool wanted = argc < 2;
        for (int i = 1; i < argc; ++i)
            wanted = wanted || !std::strcmp(argv[i], c.name);
        if (!wanted) continue;
        ++ran;
        try {
            c.fn();
            std::printf("PASS   %s\n", c.name);
        } catch (const Failure& f) {
            ++failed;
            std::printf("FAIL!  %s\n   %s\n", c.name, f.message.c_str());
        } catch (const std::exception& e) {
            ++failed;
            std::printf("FAIL!  %s\n   uncaught exception: %s\n", c.name, e.what());
        }
        std::fflush(stdout);
    }
    std::printf("Totals: %d passed, %d failed\n", ran - failed, failed);
    return failed ? 1 : (ran ? 0 : 1);
}

} // namespace ladm::check

#define TEST_CASE(name)                                                                            \
    static void name();                                                                            \
    static const ::ladm::check::Registrar name##_registrar(#name, name);                           \
    static void name()

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) ::ladm::check::fail(__FILE__, __LINE__, "CHECK(" #cond ")");                  \
    } while (0)

// msg: anything that streams into an ostream.
#define CHECK_MSG(cond, msg)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::ostringstream check_msg_;                                                         \
            check_msg_ << "CHECK(" #cond "): " << msg;                                             \
            ::ladm::check::fail(__FILE__, __LINE__, check_msg_.str());                             \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b) ::ladm::check::check_eq((a), (b), #a, #b, __FILE__, __LINE__)

#define CHECK_MAIN()                                                                               \
    int main(int argc, char** argv) {                                                              \
        return ::ladm::check::run_all(argc, argv);                                                 \
    }
