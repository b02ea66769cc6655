#include "core/text/sp_tokenizer.h"

#include "core/text/sp_shim.h"
#include "core/text/utf8.h"

namespace ladm {

namespace {

class SpTokenizer final : public Tokenizer {
  public:
    ~SpTokenizer() override {
        if (m_sp) m_api->free(m_sp);
    }

    bool load(const std::string& path, const SpOptions& opts, std::string* error) {
        m_kind = "sentencepiece";
        m_path = path;
        m_api = sentencepiece_api(error);
        if (!m_api) return false;
        char err[512] = {0};
        m_sp = m_api->load(path.c_str(), err, sizeof err);
        if (!m_sp) {
            *error = path + ": not a SentencePiece model: " + err;
            return false;
        }
        m_bos = m_api->bos_id(m_sp);
        m_eos = m_api->eos_id(m_sp);
        m_add_bos = opts.add_bos && m_bos >= 0;
        m_add_eos = opts.add_eos && m_eos >= 0;
        const int n = m_api->piece_size(m_sp);
        m_pieces.resize(size_t(n));
        m_types.resize(size_t(n));
        for (int i = 0; i < n; ++i) {
            m_pieces[size_t(i)] = m_api->id_to_piece(m_sp, i);
            m_types[size_t(i)] = m_api->piece_type(m_sp, i);
            if (m_types[size_t(i)] & LADM_SP_CONTROL) m_special_ids.push_back(i);
        }
        m_strip_leading_space = true;
        return true;
    }

    Encoding encode(std::string_view input, bool add_special) const override {
        Encoding e;
        utf8::repair(input, &e.text);
        std::vector<std::pair<size_t, size_t>> ranges;
        auto emit = [&](int32_t id, size_t b, size_t en, bool synthetic, bool special) {
            e.ids.push_back(id);
            ranges.emplace_back(b, en);
            e.synthetic_prefix.push_back(synthetic);
            e.special.push_back(special);
        };
        if (add_special && m_add_bos) emit(m_bos, 0, 0, false, true);
        struct Raw {
            int id;
            unsigned b, e;
        };
        std::vector<Raw> raw;
        if (m_api->encode(
                m_sp, e.text.data(), e.text.size(),
                [](void* user, int id, unsigned b, unsigned en) {
                    static_cast<std::vector<Raw>*>(user)->push_back({id, b, en});
                },
                &raw) != 0) {
            Encoding failed;
            failed.error = m_path + ": SentencePiece could not encode " +
                           std::to_string(e.text.size()) + " bytes";
            return failed;
        }
        const size_t n = raw.size();
        for (size_t i = 0; i < n; ++i) {
            const size_t b = raw[i].b, en = raw[i].e;
            // Byte-fallback pieces of one character: SentencePiece gives the first the
            // whole character; give each its own byte so the last one completes it.
            if (is_byte(raw[i].id) && en > b) {
                size_t run = 1;
                while (i + run < n && is_byte(raw[i + run].id) && raw[i + run].b == en &&
                       raw[i + run].e == en)
                    ++run;
                if (run == en - b) {
                    for (size_t k = 0; k < run; ++k)
                        emit(raw[i + k].id, b + k, b + k + 1, false, false);
                    i += run - 1;
                    continue;
                }
            }
            const std::string& piece = m_pieces[size_t(raw[i].id)];
            const bool synthetic =
                piece.rfind("\xE2\x96\x81", 0) == 0 && (en == b || e.text[b] != ' ');
            emit(raw[i].id, b, en, synthetic, (m_types[size_t(raw[i].id)] & LADM_SP_CONTROL) != 0);
        }
        if (add_special && m_add_eos) emit(m_eos, e.text.size(), e.text.size(), false, true);
        e.offsets = byte_ranges_to_char_offsets(e.text, ranges);
        return e;
    }

    std::string token_bytes(int32_t id) const override {
        if (id < 0 || size_t(id) >= m_pieces.size()) return {};
        const std::string& piece = m_pieces[size_t(id)];
        if (const int b = byte_fallback_value(piece); is_byte(id) && b >= 0)
            return std::string(1, char(b));
        if (m_types[size_t(id)] & LADM_SP_CONTROL) return piece;
        return marker_to_spaces(piece, "\xE2\x96\x81");
    }
    std::string token_string(int32_t id) const override {
        return id >= 0 && size_t(id) < m_pieces.size() ? m_pieces[size_t(id)] : std::string();
    }
    int32_t vocab_size() const override { return int32_t(m_pieces.size()); }

  private:
    bool is_byte(int id) const { return id >= 0 && (m_types[size_t(id)] & LADM_SP_BYTE); }
    const ladm_sp_api* m_api = nullptr;
    ladm_sp* m_sp = nullptr;
    std::vector<std::string> m_pieces;
    std::vector<int> m_types;
    std::string m_path;
};

} // namespace

std::unique_ptr<Tokenizer> load_sp_tokenizer(const std::string& path, const SpOptions& opts,
                                             std::string* error) {
    auto t = std::make_unique<SpTokenizer>();
    if (!t->load(path, opts, error)) return nullptr;
    return t;
}

bool train_sentencepiece(const std::string& flags, std::string* error) {
    const ladm_sp_api* api = sentencepiece_api(error);
    if (!api) return false;
    char err[512] = {0};
    if (api->train(flags.c_str(), err, sizeof err) != 0) {
        *error = std::string("SentencePiece training failed: ") + err;
        return false;
    }
    return true;
}

} // namespace ladm
