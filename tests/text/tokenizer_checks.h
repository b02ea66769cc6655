// Shared checks for tokenizer tests: offsets tile the text, and decoding runs of tokens
// gives back exactly the text their offsets name.
#pragma once

#include "core/text/tokenizer.h"
#include "core/text/utf8.h"

#include <QString>

namespace ladm::test {

// Empty string when fine, else a description of the first problem. normalized: the
// tokenizer applies NFC, so decoded text is compared with the NFC form of the slice.
inline QString check_offsets(const Tokenizer& tok, const Encoding& e, bool normalized = false) {
    const utf8::CharIndex idx(e.text);
    auto slice = [&](int64_t a, int64_t b) {
        const size_t ba = idx.byte_of_char(a), bb = idx.byte_of_char(b);
        return e.text.substr(ba, bb - ba);
    };
    int64_t pos = 0;
    for (size_t i = 0; i < e.offsets.size(); ++i) {
        if (e.offsets[i].first != pos)
            return QString("token %1 starts at %2, expected %3")
                .arg(i)
                .arg(e.offsets[i].first)
                .arg(pos);
        if (e.offsets[i].second < e.offsets[i].first)
            return QString("token %1 has a negative range").arg(i);
        pos = e.offsets[i].second;
    }
    if (pos != idx.size())
        return QString("tokens cover %1 of %2 characters").arg(pos).arg(idx.size());
    // Runs: grow from s until the decoded bytes are whole characters, then compare.
    size_t s = 0;
    for (size_t k = 0; k < e.ids.size(); ++k) {
        if (e.offsets[k].first == e.offsets[k].second) continue;
        const std::string d = tok.decode_run(e, s, k + 1);
        if (!utf8::is_valid(d)) continue;
        std::string want = slice(e.offsets[s].first, e.offsets[k].second);
        if (normalized) want = utf8::nfc(want);
        if (d != want)
            return QString("tokens %1..%2 decode to \"%3\" but their offsets name \"%4\"")
                .arg(s)
                .arg(k)
                .arg(QString::fromStdString(d), QString::fromStdString(want));
        s = k + 1;
    }
    for (size_t k = s; k < e.ids.size(); ++k)
        if (!(e.special[k] && e.offsets[k].first == e.offsets[k].second) &&
            !tok.decode_run(e, k, k + 1).empty())
            return QString("trailing tokens from %1 never complete a character").arg(s);
    if (tok.decode_run(e, 0, e.ids.size()) != (normalized ? utf8::nfc(e.text) : e.text))
        return "decoding every token does not give the text back";
    return {};
}

} // namespace ladm::test
