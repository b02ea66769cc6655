#include "core/sp_tokenizer.h"

#include "core/utf8.h"

#include <sentencepiece_processor.h>

namespace ladm {

namespace {

class SpTokenizer final : public Tokenizer {
public:
    bool load(const std::string& path, const SpOptions& opts, std::string* error) {
        m_kind = "sentencepiece";
        const auto st = m_sp.Load(path);
        if (!st.ok()) {
            *error = path + ": not a SentencePiece model: " + st.ToString();
            return false;
        }
        m_bos = m_sp.bos_id();
        m_eos = m_sp.eos_id();
        m_add_bos = opts.add_bos && m_bos >= 0;
        m_add_eos = opts.add_eos && m_eos >= 0;
        for (int i = 0; i < m_sp.GetPieceSize(); ++i)
            if (m_sp.IsControl(i)) m_special_ids.push_back(i);
        m_strip_leading_space = true;
        return true;
    }

    Encoding encode(std::string_view input, bool add_special) const override {
        Encoding e;
        utf8::repair(input, &e.text);
        sentencepiece::ImmutableSentencePieceText spt;
        std::vector<std::pair<size_t, size_t>> ranges;
        auto emit = [&](int32_t id, size_t b, size_t en, bool synthetic, bool special) {
            e.ids.push_back(id);
            ranges.emplace_back(b, en);
            e.synthetic_prefix.push_back(synthetic);
            e.special.push_back(special);
        };
        if (add_special && m_add_bos) emit(m_bos, 0, 0, false, true);
        if (m_sp.Encode(e.text, spt.mutable_proto()).ok()) {
            const int n = int(spt.pieces_size());
            for (int i = 0; i < n; ++i) {
                const auto p = spt.pieces(i);
                size_t b = p.begin(), en = p.end();
                // Byte-fallback pieces of one character: SentencePiece gives the first the
                // whole character; give each its own byte so the last one completes it.
                if (m_sp.IsByte(int(p.id())) && en > b) {
                    int run = 1;
                    while (i + run < n && m_sp.IsByte(int(spt.pieces(i + run).id())) &&
                           spt.pieces(i + run).begin() == en && spt.pieces(i + run).end() == en)
                        ++run;
                    if (size_t(run) == en - b) {
                        for (int k = 0; k < run; ++k)
                            emit(int32_t(spt.pieces(i + k).id()), b + size_t(k), b + size_t(k) + 1, false, false);
                        i += run - 1;
                        continue;
                    }
                }
                const std::string& piece = m_sp.IdToPiece(int(p.id()));
                const bool synthetic = piece.rfind("\xE2\x96\x81", 0) == 0 &&
                                       (en == b || e.text[b] != ' ');
                emit(int32_t(p.id()), b, en, synthetic, m_sp.IsControl(int(p.id())));
            }
        }
        if (add_special && m_add_eos) emit(m_eos, e.text.size(), e.text.size(), false, true);
        e.offsets = byte_ranges_to_char_offsets(e.text, ranges);
        return e;
    }

    std::string token_bytes(int32_t id) const override {
        if (id < 0 || id >= m_sp.GetPieceSize()) return {};
        const std::string& piece = m_sp.IdToPiece(id);
        if (m_sp.IsByte(id)) return std::string(1, char(std::stoi(piece.substr(3, 2), nullptr, 16)));
        if (m_sp.IsControl(id)) return piece;
        std::string out;
        for (size_t p = 0; p < piece.size();) {
            if (piece.compare(p, 3, "\xE2\x96\x81") == 0) {
                out.push_back(' ');
                p += 3;
            } else
                out.push_back(piece[p++]);
        }
        return out;
    }
    std::string token_string(int32_t id) const override {
        return id >= 0 && id < m_sp.GetPieceSize() ? m_sp.IdToPiece(id) : std::string();
    }
    int32_t vocab_size() const override { return m_sp.GetPieceSize(); }

private:
    sentencepiece::SentencePieceProcessor m_sp;
};

} // namespace

std::unique_ptr<Tokenizer> load_sp_tokenizer(const std::string& path, const SpOptions& opts,
                                             std::string* error) {
    auto t = std::make_unique<SpTokenizer>();
    if (!t->load(path, opts, error)) return nullptr;
    return t;
}

} // namespace ladm
