// splice_normalizer over two protocol-buffer messages (ladm add-punctuation-rule): the
// first two bytes (little-endian) give the model's length, the rest after it is the donor.
// Any bytes are either refused with a reason or give a model whose normalizer is the
// donor's, and splicing the result again changes nothing.
#include "core/text/sp_normalizer.h"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const size_t n = std::min<size_t>(size - 2, size_t(data[0]) | size_t(data[1]) << 8);
    const std::string model(reinterpret_cast<const char*>(data) + 2, n);
    const std::string donor(reinterpret_cast<const char*>(data) + 2 + n, size - 2 - n);
    std::string out, error;
    if (!ladm::splice_normalizer(model, donor, &out, &error)) {
        if (error.empty()) std::abort();
        return 0;
    }
    if (ladm::normalizer_name(out) != ladm::normalizer_name(donor)) std::abort();
    std::string again;
    if (!ladm::splice_normalizer(out, donor, &again, &error) || again != out) std::abort();
    return 0;
}
