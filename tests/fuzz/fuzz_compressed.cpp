// .jsonl.gz / .jsonl.zst / .jsonl readers with access points: the first byte picks the
// format, the rest is the file. Every sample read front to back must read back the same
// through its location (entering compressed data at the recorded access points).
#include "core/corpus/corpus.h"
#include "core/corpus/line_source.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const char* names[] = {"in.jsonl.gz", "in.jsonl.zst", "in.jsonl"};
    const std::string path = ladm::fuzz::write_input(names[data[0] % 3], data + 1, size - 1);
    ladm::CorpusOptions o;
    o.max_line_bytes = 1 << 16;
    std::string error;
    // Access points every 256 uncompressed bytes, so small inputs have several.
    auto src = ladm::LineSource::open(path, o.max_line_bytes, &error, 256);
    if (!src) return 0;
    ladm::Line line;
    std::vector<ladm::Line> lines;
    while (src->next(&line) && lines.size() < 64)
        lines.push_back(line);
    const auto points = src->access_points();
    for (const auto& p : points)
        if (p.window.size() > 32768) std::abort();
    for (const auto& l : lines) {
        if (l.too_long) continue;
        ladm::SampleLocation loc{path, l.number, l.offset, l.length};
        std::string raw;
        if (!ladm::CorpusReader::raw_at(loc, o, &raw, &error, &points)) continue;
        if (raw != l.text && raw != l.text + "\r") std::abort(); // the line as stored
        ladm::Sample s;
        (void)ladm::CorpusReader::read_at(loc, o, &s, &error, &points);
    }
    return 0;
}
