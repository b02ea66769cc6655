#include "core/text/surface.h"

#include "core/text/tokenizer.h"

#include <algorithm>
#include <utf8proc.h>
#include <zstd.h>

namespace ladm {

bool is_punctuation_or_symbol(int32_t cp) {
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
    case UTF8PROC_CATEGORY_SM:
    case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK:
    case UTF8PROC_CATEGORY_SO:
        return true;
    default:
        return false;
    }
}

bool is_space_or_control(int32_t cp) {
    const auto cat = utf8proc_category(cp);
    return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
           cat == UTF8PROC_CATEGORY_ZP || cat == UTF8PROC_CATEGORY_CC;
}

std::map<std::string, double> text_features(std::string_view text) {
    int64_t points = 0, non_ascii = 0, digits_punct = 0;
    const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
    const auto n = utf8proc_ssize_t(text.size());
    for (utf8proc_ssize_t i = 0; i < n;) {
        utf8proc_int32_t c = -1;
        const utf8proc_ssize_t k = utf8proc_iterate(p + i, n - i, &c);
        ++points;
        if (k <= 0) { // an invalid byte: one non-ASCII "character"
            ++non_ascii;
            ++i;
            continue;
        }
        if (c >= 0x80) ++non_ascii;
        const auto cat = utf8proc_category(c);
        if (is_punctuation_or_symbol(c) || cat == UTF8PROC_CATEGORY_ND ||
            cat == UTF8PROC_CATEGORY_NL || cat == UTF8PROC_CATEGORY_NO)
            ++digits_punct;
        i += k;
    }
    std::map<std::string, double> f;
    if (points == 0) return f;
    f[kFeatureNonAscii] = double(non_ascii) / double(points);
    f[kFeatureDigitsPunct] = double(digits_punct) / double(points);
    const size_t m = std::min<size_t>(text.size(), size_t(1) << 20);
    std::string out(ZSTD_compressBound(m), '\0');
    const size_t z = ZSTD_compress(out.data(), out.size(), text.data(), m, 3);
    if (!ZSTD_isError(z)) f[kFeatureZstdRatio] = double(z) / double(m);
    return f;
}

std::map<std::string, double> token_features(int64_t chars, const std::vector<int32_t>& ids,
                                             const std::vector<uint8_t>& byte_fallback) {
    std::map<std::string, double> f;
    if (ids.empty()) return f;
    int64_t bf = 0;
    for (int32_t id : ids)
        if (id >= 0 && size_t(id) < byte_fallback.size() && byte_fallback[size_t(id)]) ++bf;
    f[kFeatureCharsPerToken] = double(chars) / double(ids.size());
    f[kFeatureByteFallback] = double(bf) / double(ids.size());
    return f;
}

std::vector<uint8_t> byte_fallback_ids(const Tokenizer& tok) {
    std::vector<uint8_t> v(size_t(std::max(0, tok.vocab_size())), 0);
    for (size_t i = 0; i < v.size(); ++i)
        v[i] = byte_fallback_value(tok.token_string(int32_t(i))) >= 0 ? 1 : 0;
    return v;
}

std::string feature_label(const std::string& name) {
    if (name == kFeatureCharsPerToken) return "chars/token";
    if (name == kFeatureNonAscii) return "non-ASCII";
    if (name == kFeatureByteFallback) return "byte-fallback";
    if (name == kFeatureZstdRatio) return "zstd ratio";
    if (name == kFeatureDigitsPunct) return "digits+punct";
    return name;
}

} // namespace ladm
