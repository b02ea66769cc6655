// The shim itself: built as its own shared library, linking only libsentencepiece.
#include "core/text/sp_shim.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstring>
#include <new>
#include <string>

struct ladm_sp {
    sentencepiece::SentencePieceProcessor sp;
};

namespace {

void set_err(char* err, size_t n, const std::string& msg) {
    if (!err || !n) return;
    std::strncpy(err, msg.c_str(), n - 1);
    err[n - 1] = 0;
}

// No exception crosses the C interface: libsentencepiece throws from inside Load on some
// damaged models (Darts' trie builder, found by fuzzing), and allocations can fail.
ladm_sp* sp_load(const char* path, char* err, size_t n) {
    auto* s = new (std::nothrow) ladm_sp;
    if (!s) {
        set_err(err, n, "not enough memory");
        return nullptr;
    }
    try {
        const auto st = s->sp.Load(path);
        if (st.ok()) return s;
        set_err(err, n, st.ToString());
    } catch (const std::exception& e) {
        set_err(err, n, std::string("the model does not load: ") + e.what());
    } catch (...) {
        set_err(err, n, "the model does not load (SentencePiece threw)");
    }
    delete s;
    return nullptr;
}
void sp_free(ladm_sp* s) {
    delete s;
}
int sp_piece_size(const ladm_sp* s) {
    return s->sp.GetPieceSize();
}
const char* sp_id_to_piece(const ladm_sp* s, int id) {
    return s->sp.IdToPiece(id).c_str();
}
int sp_piece_type(const ladm_sp* s, int id) {
    return (s->sp.IsControl(id) ? LADM_SP_CONTROL : 0) | (s->sp.IsByte(id) ? LADM_SP_BYTE : 0) |
           (s->sp.IsUnknown(id) ? LADM_SP_UNKNOWN : 0);
}
int sp_bos(const ladm_sp* s) {
    return s->sp.bos_id();
}
int sp_eos(const ladm_sp* s) {
    return s->sp.eos_id();
}
int sp_encode(const ladm_sp* s, const char* text, size_t len, ladm_sp_piece_cb cb, void* user) {
    try {
        sentencepiece::ImmutableSentencePieceText spt;
        if (!s->sp.Encode(std::string_view(text, len), spt.mutable_proto()).ok()) return 1;
        for (size_t i = 0; i < spt.pieces_size(); ++i) {
            const auto p = spt.pieces(int(i));
            cb(user, int(p.id()), p.begin(), p.end());
        }
        return 0;
    } catch (...) {
        return 1;
    }
}
int sp_train(const char* args, char* err, size_t n) {
    try {
        const auto st = sentencepiece::SentencePieceTrainer::Train(args);
        if (st.ok()) return 0;
        set_err(err, n, st.ToString());
    } catch (const std::exception& e) {
        set_err(err, n, std::string("SentencePiece training threw: ") + e.what());
    }
    return 1;
}

const ladm_sp_api kApi = {sp_load, sp_free, sp_piece_size, sp_id_to_piece, sp_piece_type,
                          sp_bos,  sp_eos,  sp_encode,     sp_train};

} // namespace

extern "C" __attribute__((visibility("default"))) const ladm_sp_api* ladm_sp_get_api(void) {
    return &kApi;
}
