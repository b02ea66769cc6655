// Protocol-buffer wire format, top level of ModelProto and of its NormalizerSpec only
// (field numbers from sentencepiece_model.proto): 3 = normalizer_spec; in it 1 = name,
// 2 = precompiled_charsmap, 6 = normalization_rule_tsv.
#include "core/text/sp_normalizer.h"

#include <cstdint>
#include <vector>

namespace ladm {

namespace {

constexpr uint32_t kNormalizerSpec = 3;
constexpr uint32_t kName = 1, kCharsmap = 2, kRuleTsv = 6;

struct Field {
    uint32_t number = 0;
    std::string_view bytes; // the whole field, key included
    std::string_view value; // length-delimited fields: the payload
    bool length_delimited = false;
};

bool read_varint(std::string_view b, size_t* i, uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*i >= b.size()) return false;
        const auto c = uint8_t(b[(*i)++]);
        *v |= uint64_t(c & 0x7F) << shift;
        if (!(c & 0x80)) return true;
    }
    return false;
}

// Splits a message into its fields; false for anything but varint, 64-bit,
// length-delimited and 32-bit fields that end exactly at the end.
bool parse_fields(std::string_view b, std::vector<Field>* out) {
    for (size_t i = 0; i < b.size();) {
        const size_t begin = i;
        uint64_t key = 0;
        if (!read_varint(b, &i, &key) || (key >> 3) == 0 || (key >> 3) > 0x1FFFFFFF) return false;
        Field f;
        f.number = uint32_t(key >> 3);
        switch (key & 7) {
        case 0: {
            uint64_t v = 0;
            if (!read_varint(b, &i, &v)) return false;
            break;
        }
        case 1:
            if (b.size() - i < 8) return false;
            i += 8;
            break;
        case 2: {
            uint64_t n = 0;
            if (!read_varint(b, &i, &n) || n > b.size() - i) return false;
            f.value = b.substr(i, size_t(n));
            f.length_delimited = true;
            i += size_t(n);
            break;
        }
        case 5:
            if (b.size() - i < 4) return false;
            i += 4;
            break;
        default:
            return false;
        }
        f.bytes = b.substr(begin, i - begin);
        out->push_back(f);
    }
    return true;
}

void write_varint(uint64_t v, std::string* out) {
    while (v >= 0x80) {
        out->push_back(char(uint8_t(v) | 0x80));
        v >>= 7;
    }
    out->push_back(char(v));
}

void write_bytes_field(uint32_t number, std::string_view value, std::string* out) {
    write_varint(uint64_t(number) << 3 | 2, out);
    write_varint(value.size(), out);
    out->append(value);
}

// The fields of the normalizer_spec among a ModelProto's top-level fields (none when it
// has none); false when malformed.
bool normalizer_of(const std::vector<Field>& top, std::vector<Field>* spec) {
    for (const auto& f : top)
        if (f.number == kNormalizerSpec) {
            spec->clear();
            if (!f.length_delimited || !parse_fields(f.value, spec)) return false;
        }
    return true;
}

bool normalizer_of(std::string_view model, std::vector<Field>* spec) {
    std::vector<Field> top;
    return parse_fields(model, &top) && normalizer_of(top, spec);
}

} // namespace

bool splice_normalizer(std::string_view model, std::string_view donor, std::string* out,
                       std::string* error) {
    std::vector<Field> top, donor_spec, model_spec;
    if (!parse_fields(model, &top) || !normalizer_of(top, &model_spec)) {
        *error = "not a SentencePiece model (malformed protocol buffer)";
        return false;
    }
    if (!normalizer_of(donor, &donor_spec)) {
        *error = "the rule's model is not a SentencePiece model (malformed protocol buffer)";
        return false;
    }
    std::string_view name, charsmap;
    for (const auto& f : donor_spec) {
        if (f.number == kName && f.length_delimited) name = f.value;
        if (f.number == kCharsmap && f.length_delimited) charsmap = f.value;
    }
    if (charsmap.empty()) {
        *error = "the rule's model has no compiled normalization rule (precompiled_charsmap)";
        return false;
    }
    std::string spec;
    write_bytes_field(kName, name, &spec);
    write_bytes_field(kCharsmap, charsmap, &spec);
    for (const auto& f : model_spec)
        if (f.number != kName && f.number != kCharsmap && f.number != kRuleTsv)
            spec.append(f.bytes);
    out->clear();
    bool placed = false;
    for (const auto& f : top) {
        if (f.number != kNormalizerSpec) {
            out->append(f.bytes);
        } else if (!placed) {
            write_bytes_field(kNormalizerSpec, spec, out);
            placed = true;
        }
    }
    if (!placed) write_bytes_field(kNormalizerSpec, spec, out);
    return true;
}

std::string normalizer_name(std::string_view model) {
    std::vector<Field> spec;
    if (!normalizer_of(model, &spec)) return {};
    std::string name;
    for (const auto& f : spec)
        if (f.number == kName && f.length_delimited) name = std::string(f.value);
    return name;
}

} // namespace ladm
