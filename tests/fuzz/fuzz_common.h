// Shared by the fuzz targets: a private temporary folder per process (libFuzzer runs one
// input at a time in a process) to write the input where the parsers expect a file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace ladm::fuzz {

inline const std::string& scratch_dir() {
    static const std::string dir = [] {
        std::string t = (std::filesystem::temp_directory_path() / "ladm-fuzz-XXXXXX").string();
        if (!::mkdtemp(t.data())) std::abort();
        return t;
    }();
    return dir;
}

inline std::string write_input(const std::string& name, const uint8_t* data, size_t size) {
    const std::string path = scratch_dir() + "/" + name;
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), std::streamsize(size));
    return path;
}

} // namespace ladm::fuzz
