// C interface of the SentencePiece shim (libladm_sp_shim.so).
//
// Why a shim: Debian's libsentencepiece carries its own copy of protobuf-lite and exports
// those symbols, while libtorch loads the full libprotobuf.so.32. Linked into one process
// they interpose each other and the process crashes during static initialisation. The
// shim links libsentencepiece alone and is opened with dlopen(RTLD_LOCAL | RTLD_DEEPBIND),
// so neither library sees the other's protobuf.
#pragma once

#include <stddef.h>

#include <string>

extern "C" {

struct ladm_sp;
typedef void (*ladm_sp_piece_cb)(void* user, int id, unsigned begin, unsigned end);

enum { LADM_SP_CONTROL = 1, LADM_SP_BYTE = 2, LADM_SP_UNKNOWN = 4 };

struct ladm_sp_api {
    ladm_sp* (*load)(const char* path, char* err, size_t errlen);
    void (*free)(ladm_sp*);
    int (*piece_size)(const ladm_sp*);
    const char* (*id_to_piece)(const ladm_sp*, int id);
    int (*piece_type)(const ladm_sp*, int id);
    int (*bos_id)(const ladm_sp*);
    int (*eos_id)(const ladm_sp*);
    // Calls cb for every piece (id, byte range in text). Returns 0 on success.
    int (*encode)(const ladm_sp*, const char* text, size_t len, ladm_sp_piece_cb cb, void* user);
    // SentencePieceTrainer::Train with a flag string. Returns 0 on success.
    int (*train)(const char* args, char* err, size_t errlen);
};

// Exported by the shim.
const ladm_sp_api* ladm_sp_get_api(void);
}

namespace ladm {
// Loads the shim once (thread-safe). nullptr + *error if it cannot be found or opened.
const ladm_sp_api* sentencepiece_api(std::string* error);
} // namespace ladm
