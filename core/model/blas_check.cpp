// Detects which BLAS the process loaded. Debian's libtorch calls the system libblas.so.3;
// when that resolves to the reference implementation, matmuls run ~40x slower.
#include "core/model/engine.h"

#include <fstream>
#include <string>

namespace ladm {

std::vector<std::string> blas_warnings() {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    bool reference = false, openblas = false, mkl = false;
    std::string ref_path;
    while (std::getline(maps, line)) {
        if (line.find("openblas") != std::string::npos) openblas = true;
        if (line.find("libmkl") != std::string::npos) mkl = true;
        if (line.find("/blas/libblas.so") != std::string::npos) {
            reference = true;
            ref_path = line.substr(line.find('/'));
        }
    }
    std::vector<std::string> w;
    if (reference && !openblas && !mkl)
        w.push_back("the reference BLAS (" + ref_path +
                    ") is loaded: matrix products will run ~40x slower. Install "
                    "libopenblas0-pthread (scripts/install-deps.sh does) or point the "
                    "libblas.so.3 alternative at OpenBLAS.");
    return w;
}

} // namespace ladm
