// Corpus input: formats, keys, locations that read back byte for byte, and every class of
// bad input reported with file:line, counted and skipped.
#include "core/corpus/corpus.h"
#include "core/corpus/demo_corpus.h"
#include "core/corpus/source_text.h"
#include "core/store/cache.h"
#include "core/text/tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

using namespace ladm;

namespace {

const std::vector<std::string> kGood = {
    R"({"id": "a1", "text": "first document", "meta": {"pile_set_name": "ArXiv"}})",
    R"({"id": 7, "text": "second \u00e9 document", "source": "books"})",
    R"({"text": "no id, no domain"})",
    R"({"id": "tok", "input_ids": [1, 2, 3, 4], "meta": {"pile_set_name": "Github"}})",
};

void write_text(const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary) << data;
}

std::string join(const std::vector<std::string>& lines) {
    std::string s;
    for (const auto& l : lines)
        s += l + "\n";
    return s;
}

void write_gz(const std::string& path, const std::string& data) {
    gzFile g = gzopen(path.c_str(), "wb");
    gzwrite(g, data.data(), unsigned(data.size()));
    gzclose(g);
}

void write_zst(const std::string& path, const std::string& data) {
    std::string out(ZSTD_compressBound(data.size()), '\0');
    out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3));
    write_text(path, out);
}

std::vector<Sample> read_all(CorpusReader& r) {
    std::vector<Sample> v;
    Sample s;
    while (r.next(&s))
        v.push_back(s);
    return v;
}

} // namespace

class TestCorpus : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void formats_data();
    void formats();
    void badInputIsReportedAndSkipped();
    void hugeLineIsSkippedNotHeld();
    void truncatedCompressed_data();
    void truncatedCompressed();
    void truncatedSmallFileKeepsCompleteRecords_data();
    void truncatedSmallFileKeepsCompleteRecords();
    void unreadableAndMissing();
    void strictStopsAtFirstProblem();
    void plainTextDirectory();
    void demoCorpusIsDeterministic();
    void demoCorpusFillsShortDomains();
    void repeatedFilesKeptOnce();
    void accessPoints_data();
    void accessPoints();
    void accessPointsInCache();

  private:
    QTemporaryDir m_tmp;
    std::string path(const char* name) { return m_tmp.filePath(name).toStdString(); }
};

void TestCorpus::formats_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("jsonl") << "shard.jsonl";
    QTest::newRow("jsonl.gz") << "shard.jsonl.gz";
    QTest::newRow("jsonl.zst") << "shard.jsonl.zst";
}

void TestCorpus::formats() {
    QFETCH(QString, name);
    const std::string p = path(qPrintable(name));
    const std::string data = join(kGood);
    if (name.endsWith(".gz"))
        write_gz(p, data);
    else if (name.endsWith(".zst"))
        write_zst(p, data);
    else
        write_text(p, data);

    std::string err;
    auto r = CorpusReader::open({p}, CorpusOptions{}, &err);
    QVERIFY2(r, err.c_str());
    auto v = read_all(*r);
    QCOMPARE(int(v.size()), 4);
    QVERIFY(r->problems().empty());
    QCOMPARE(v[0].id, std::string("a1"));
    QCOMPARE(v[0].domain, std::string("ArXiv"));
    QCOMPARE(v[1].id, std::string("7"));
    QCOMPARE(v[1].domain, std::string("books")); // falls back to source
    QCOMPARE(v[1].chars, int64_t(17));           // é is one character
    QCOMPARE(v[2].id, p + ":3");                 // file:line when there is no id
    QCOMPARE(v[2].domain, std::string("shard")); // then the shard's name
    QVERIFY(v[3].pretokenized);
    QCOMPARE(v[3].input_ids, (std::vector<int32_t>{1, 2, 3, 4}));

    // Every location reads back the original record byte for byte.
    for (size_t i = 0; i < v.size(); ++i) {
        std::string raw;
        QVERIFY2(CorpusReader::raw_at(v[i].loc, CorpusOptions{}, &raw, &err), err.c_str());
        QCOMPARE(raw, kGood[i]);
        Sample back;
        QVERIFY(CorpusReader::read_at(v[i].loc, CorpusOptions{}, &back, &err));
        QCOMPARE(back.id, v[i].id);
        QCOMPARE(back.text, v[i].text);
    }
}

void TestCorpus::badInputIsReportedAndSkipped() {
    const std::string p = path("bad.jsonl");
    const std::vector<std::string> lines = {
        R"({"id": "ok1", "text": "good"})",                      // 1
        R"({"id": "x", "text": "unterminated)",                  // 2 malformed JSON
        R"(["an", "array"])",                                    // 3 not an object
        R"({"id": "y", "body": "no text key"})",                 // 4 missing text
        R"({"id": "z", "text": 42})",                            // 5 non-string text
        "{\"id\": \"u\", \"text\": \"bad \xC3\x28 utf8\"}",      // 6 invalid UTF-8
        R"({"id": "e", "text": ""})",                            // 7 empty text
        "",                                                      // 8 blank: not a record
        R"({"id": "ok1", "text": "duplicate id"})",              // 9 duplicate id
        R"({"id": "ids", "input_ids": [1, -2]})",                // 10 bad input_ids
        R"({"id": "ok2", "text": "still read after all that"})", // 11
    };
    write_text(p, join(lines));
    std::string err;
    auto r = CorpusReader::open({p}, CorpusOptions{}, &err);
    QVERIFY(r);
    int reported = 0;
    r->on_problem = [&](const Problem&) { ++reported; };
    auto v = read_all(*r);
    QCOMPARE(int(v.size()), 2);
    QCOMPARE(v[1].id, std::string("ok2"));
    const std::vector<std::pair<ProblemKind, int>> want = {
        {ProblemKind::MalformedJson, 2}, {ProblemKind::NotAnObject, 3},
        {ProblemKind::MissingText, 4},   {ProblemKind::NonStringText, 5},
        {ProblemKind::InvalidUtf8, 6},   {ProblemKind::EmptyText, 7},
        {ProblemKind::DuplicateId, 9},   {ProblemKind::BadInputIds, 10}};
    QCOMPARE(int(r->problems().size()), int(want.size()));
    QCOMPARE(reported, int(want.size()));
    for (size_t i = 0; i < want.size(); ++i) {
        const Problem& pr = r->problems()[i];
        QVERIFY2(pr.kind == want[i].first, problem_name(pr.kind));
        QCOMPARE(pr.line, int64_t(want[i].second));
        QCOMPARE(QString::fromStdString(pr.where()),
                 QString::fromStdString(p + ":" + std::to_string(want[i].second)));
        QVERIFY(!pr.message.empty());
    }
    QCOMPARE(r->problem_counts()[ProblemKind::DuplicateId], int64_t(1));
}

void TestCorpus::hugeLineIsSkippedNotHeld() {
    // A record far over the limit (here 1 MB against a 64 KB limit; the default limit is
    // 64 MB, so a 200 MB line is handled the same way) is reported and skipped, and the
    // records after it are read.
    const std::string p = path("huge.jsonl.zst");
    std::string data = R"({"id": "before", "text": "x"})"
                       "\n";
    data += R"({"id": "huge", "text": ")" + std::string(1 << 20, 'a') + "\"}\n";
    data += R"({"id": "after", "text": "y"})"
            "\n";
    write_zst(p, data);
    CorpusOptions o;
    o.max_line_bytes = 64 << 10;
    std::string err;
    auto r = CorpusReader::open({p}, o, &err);
    auto v = read_all(*r);
    QCOMPARE(int(v.size()), 2);
    QCOMPARE(v[1].id, std::string("after"));
    QCOMPARE(int(r->problems().size()), 1);
    QCOMPARE(r->problems()[0].kind, ProblemKind::LineTooLong);
    QCOMPARE(r->problems()[0].line, int64_t(2));
    // and the next record's offset is still right
    std::string raw;
    QVERIFY(CorpusReader::raw_at(v[1].loc, o, &raw, &err));
    QCOMPARE(raw, std::string(R"({"id": "after", "text": "y"})"));
}

void TestCorpus::truncatedCompressed_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("gz") << "cut.jsonl.gz";
    QTest::newRow("zst") << "cut.jsonl.zst";
}

void TestCorpus::truncatedCompressed() {
    QFETCH(QString, name);
    std::vector<std::string> lines;
    // Enough varied data for many compressed blocks: a cut can only lose the blocks after it.
    uint64_t x = 12345;
    for (int i = 0; i < 40000; ++i) {
        std::string words;
        for (int w = 0; w < 8; ++w) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            words += " w" + std::to_string(x >> 40);
        }
        lines.push_back(R"({"id": "r)" + std::to_string(i) + R"(", "text": ")" + words + "\"}");
    }
    const std::string p = path(qPrintable(name));
    if (name.endsWith(".gz"))
        write_gz(p, join(lines));
    else
        write_zst(p, join(lines));
    std::filesystem::resize_file(p, std::filesystem::file_size(p) * 2 / 3);
    std::string err;
    auto r = CorpusReader::open({p}, CorpusOptions{}, &err);
    auto v = read_all(*r);
    QVERIFY2(v.size() > 1000 && v.size() < 40000,
             qPrintable(QString::number(v.size()))); // what could be read is kept
    QCOMPARE(int(r->problems().size()), 1);
    QCOMPARE(r->problems()[0].kind, ProblemKind::Truncated);
    QVERIFY2(r->problems()[0].message.find("truncated") != std::string::npos,
             r->problems()[0].message.c_str());
    for (size_t i = 0; i < v.size(); ++i)
        QCOMPARE(v[i].id, "r" + std::to_string(i));
}

namespace {
// What zcat / zstdcat recover from a damaged file: everything the decoder produces before
// it stops.
std::string stream_decode(const std::string& data, bool gz) {
    std::string out;
    std::vector<char> buf(1 << 16);
    if (gz) {
        z_stream z{};
        inflateInit2(&z, 15 + 32);
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
        z.avail_in = unsigned(data.size());
        int ret = Z_OK;
        while (ret == Z_OK) {
            z.next_out = reinterpret_cast<Bytef*>(buf.data());
            z.avail_out = unsigned(buf.size());
            ret = inflate(&z, Z_NO_FLUSH);
            out.append(buf.data(), buf.size() - z.avail_out);
            if (ret == Z_BUF_ERROR && z.avail_in == 0) break;
        }
        inflateEnd(&z);
    } else {
        ZSTD_DStream* ds = ZSTD_createDStream();
        ZSTD_inBuffer in{data.data(), data.size(), 0};
        while (true) {
            ZSTD_outBuffer o{buf.data(), buf.size(), 0};
            const size_t r = ZSTD_decompressStream(ds, &o, &in);
            out.append(buf.data(), o.pos);
            if (ZSTD_isError(r) || (o.pos == 0 && in.pos == in.size)) break;
        }
        ZSTD_freeDStream(ds);
    }
    return out;
}
} // namespace

void TestCorpus::truncatedSmallFileKeepsCompleteRecords_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("gz") << "half.jsonl.gz";
    QTest::newRow("zst") << "half.jsonl.zst";
}

void TestCorpus::truncatedSmallFileKeepsCompleteRecords() {
    // 1,000 records in under the reader's 1 MiB buffer, cut in half: every complete
    // record the decoder can still produce is read (the old reader returned none of them,
    // because the error came within the same buffer as the data), and the truncation is
    // reported at the line it cuts.
    QFETCH(QString, name);
    std::vector<std::string> lines; // ~600 KB: five zstd blocks, one read buffer
    uint64_t x = 777;
    for (int i = 0; i < 1000; ++i) {
        std::string words;
        for (int w = 0; w < 60; ++w) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            words += " w" + std::to_string(x >> 44);
        }
        lines.push_back(R"({"id": "r)" + std::to_string(i) + R"(", "text": ")" + words + "\"}");
    }
    const std::string p = path(qPrintable(name));
    const bool gz = name.endsWith(".gz");
    if (gz)
        write_gz(p, join(lines));
    else
        write_zst(p, join(lines));
    std::filesystem::resize_file(p, std::filesystem::file_size(p) / 2);
    std::ifstream in(p, std::ios::binary);
    const std::string cut((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string recovered = stream_decode(cut, gz);
    const auto complete = std::count(recovered.begin(), recovered.end(), '\n');

    std::string err;
    auto r = CorpusReader::open({p}, CorpusOptions{}, &err);
    const auto v = read_all(*r);
    QVERIFY2(complete > 100, qPrintable(QString::number(complete)));
    QCOMPARE(int64_t(v.size()), int64_t(complete));
    for (size_t i = 0; i < v.size(); ++i)
        QCOMPARE(v[i].id, "r" + std::to_string(i));
    QCOMPARE(int(r->problems().size()), 1);
    QCOMPARE(r->problems()[0].kind, ProblemKind::Truncated);
    QCOMPARE(r->problems()[0].line, int64_t(complete + 1));
}

void TestCorpus::unreadableAndMissing() {
    const std::string good = path("fine.jsonl");
    write_text(good, join({R"({"text": "fine"})"}));
    const std::string dangling = path("dangling.jsonl");
    ::symlink("/nonexistent/target.jsonl", dangling.c_str());
    std::string err;
    auto r = CorpusReader::open({dangling, good, path("nomatch-*.jsonl")}, CorpusOptions{}, &err);
    QVERIFY2(r, err.c_str());
    auto v = read_all(*r);
    QCOMPARE(int(v.size()), 1);
    QCOMPARE(int(r->problems().size()), 2);
    for (const auto& pr : r->problems())
        QCOMPARE(pr.kind, ProblemKind::Unreadable);
    QVERIFY(!CorpusReader::open({path("nothing-here-*.jsonl")}, CorpusOptions{}, &err));
    QVERIFY2(err.find("nothing-here") != std::string::npos, err.c_str());
}

void TestCorpus::strictStopsAtFirstProblem() {
    const std::string p = path("strict.jsonl");
    write_text(p, join({R"({"text": "a"})", "{oops", R"({"text": "b"})"}));
    CorpusOptions o;
    o.strict = true;
    std::string err;
    auto r = CorpusReader::open({p}, o, &err);
    auto v = read_all(*r);
    QCOMPARE(int(v.size()), 1);
    QVERIFY(r->stopped_by_strict());
    QCOMPARE(r->problems()[0].line, int64_t(2));
}

void TestCorpus::plainTextDirectory() {
    const QString dir = m_tmp.filePath("code");
    QDir().mkpath(dir + "/src");
    write_text(dir.toStdString() + "/src/main.cpp", "int main() {}\n");
    write_text(dir.toStdString() + "/README", "read me\n");
    std::string err;
    auto r = CorpusReader::open({dir.toStdString()}, CorpusOptions{}, &err);
    auto v = read_all(*r);
    QCOMPARE(int(v.size()), 2);
    QCOMPARE(v[0].domain, std::string("code")); // no extension: its folder
    QCOMPARE(v[1].domain, std::string("cpp"));  // extension
    QCOMPARE(v[1].text, std::string("int main() {}\n"));
    std::string raw;
    QVERIFY(CorpusReader::raw_at(v[1].loc, CorpusOptions{}, &raw, &err));
    QCOMPARE(raw, v[1].text);
}

void TestCorpus::demoCorpusIsDeterministic() {
    // measured in tokens of the bundled calculator, as `ladm demo-corpus` does
    std::string err;
    const auto tok = Tokenizer::from_dir(LADM_SOURCE_DIR "/resources/calculator", &err);
    QVERIFY2(tok, err.c_str());
    DemoCorpusOptions o;
    o.samples = 16;
    o.tokenizer = tok.get();
    DemoCorpusSummary a, b;
    const std::string p1 = path("demo1.jsonl.zst"), p2 = path("demo2.jsonl.zst");
    QVERIFY2(write_demo_corpus(p1, o, &a, &err), err.c_str());
    QVERIFY2(write_demo_corpus(p2, o, &b, &err), err.c_str());
    QCOMPARE(std::filesystem::file_size(p1), std::filesystem::file_size(p2));
    QCOMPARE(a.coherent, a.spliced);
    QVERIFY(a.coherent >= 4);
    auto r = CorpusReader::open({p1}, CorpusOptions{}, &err);
    auto v = read_all(*r);
    QVERIFY(r->problems().empty());
    QCOMPARE(int(v.size()), a.coherent + a.spliced);
    std::set<std::string> domains;
    // coherent samples are 4K-16K tokens; each control follows its sample, as long within 3%
    for (size_t i = 0; i + 1 < v.size(); i += 2) {
        const int64_t c = int64_t(tok->encode(v[i].text, false).ids.size()),
                      s = int64_t(tok->encode(v[i + 1].text, false).ids.size());
        QVERIFY2(c >= 4096 && c <= 16384,
                 qPrintable(QString("%1: %2 tokens").arg(v[i].id.c_str()).arg(c)));
        domains.insert(v[i].domain);
        QVERIFY2(
            s <= c && s >= c * 97 / 100,
            qPrintable(
                QString("control %1: %2 tokens vs %3").arg(v[i + 1].id.c_str()).arg(s).arg(c)));
    }
    QCOMPARE(a.min_tokens, b.min_tokens);
    QVERIFY(a.min_tokens >= int64_t(4096 * 97 / 100) && a.max_tokens <= 16384);
    QVERIFY(domains.size() >= 3);
}

void TestCorpus::demoCorpusFillsShortDomains() {
    // Debian ships about 10 licences of 4K tokens or more: asked for 12 samples per domain,
    // the licences fall short and the other domains make up the difference (the corpus had
    // 170 samples instead of 200 before).
    std::string err;
    const auto tok = Tokenizer::from_dir(LADM_SOURCE_DIR "/resources/calculator", &err);
    QVERIFY2(tok, err.c_str());
    DemoCorpusOptions o;
    o.samples = 100;
    o.tokenizer = tok.get();
    DemoCorpusSummary a;
    const std::string p = path("demo-full.jsonl.zst");
    QVERIFY2(write_demo_corpus(p, o, &a, &err), err.c_str());
    QCOMPARE(a.coherent, 50);
    QCOMPARE(a.spliced, 50);
    auto r = CorpusReader::open({p}, CorpusOptions{}, &err);
    std::map<std::string, int> per_domain;
    std::set<std::string> sources; // every coherent sample is a different document
    for (const auto& s : read_all(*r)) {
        ++per_domain[s.domain];
        std::string raw;
        QVERIFY2(CorpusReader::raw_at(s.loc, CorpusOptions{}, &raw, &err), err.c_str());
        const auto meta = nlohmann::json::parse(raw).at("meta");
        if (meta.at("kind") == "coherent")
            QVERIFY2(sources.insert(meta.at("sources").at(0).get<std::string>()).second,
                     s.id.c_str());
    }
    QCOMPARE(int(sources.size()), 50);
    QCOMPARE(int(per_domain.size()), 4);
    QVERIFY2(per_domain["Licenses"] < 2 * 12,
             qPrintable(QString("%1 licence records").arg(per_domain["Licenses"])));
    for (const auto& [domain, n] : per_domain)
        if (domain != "Licenses")
            QVERIFY2(n >= 2 * 12 && n <= 2 * 14,
                     qPrintable(QString("%1: %2 records").arg(domain.c_str()).arg(n)));
}

// ~3 MB of records whose texts vary, so gzip has many deflate blocks.
static std::vector<std::string> varied_records(int n) {
    std::mt19937_64 rng(3);
    const char* words[] = {"alpha", "beta",  "gamma",  "delta",     "long",  "context", "attention",
                           "span",  "token", "window", "retrieval", "layer", "head",    "score"};
    std::vector<std::string> v;
    for (int i = 0; i < n; ++i) {
        std::string text;
        const size_t len = 500 + rng() % 3000;
        while (text.size() < len)
            text += std::string(words[rng() % 14]) + std::to_string(rng() % 1000) + " ";
        v.push_back(R"({"id": "r)" + std::to_string(i) + R"(", "text": ")" + text + R"("})");
    }
    return v;
}

void TestCorpus::repeatedFilesKeptOnce() {
    // the same text twice (once gzipped, as changelogs are) and a one-byte variant
    const std::string text = "#define X 1\n" + std::string(3000, 'x');
    write_text(path("a.h"), text);
    write_gz(path("b.gz"), text);
    write_text(path("c.h"), text + "\n");
    write_text(path("d.h"), text);
    const std::vector<std::string> kept =
        unique_content({path("a.h"), path("b.gz"), path("c.h"), path("d.h")});
    QCOMPARE(kept, (std::vector<std::string>{path("a.h"), path("c.h")}));
    SeenTexts seen;
    QVERIFY(seen.insert("abc"));
    QVERIFY(!seen.insert("abc"));
    QVERIFY(seen.insert("abd"));
}

void TestCorpus::accessPoints_data() {
    QTest::addColumn<QString>("kind");
    QTest::newRow("gzip, one member") << "gz1";
    QTest::newRow("gzip, two members") << "gz2";
    QTest::newRow("zstd, many frames") << "zstN";
    QTest::newRow("zstd, one frame") << "zst1";
}

// Access points recorded while reading lead back to every record, byte for byte; with the
// start of the file destroyed afterwards, records past the first point still read back
// through the points (so they are really used), and not from the start.
void TestCorpus::accessPoints() {
    QFETCH(QString, kind);
    const auto lines = varied_records(1500);
    const std::string data = join(lines);
    const bool gz = kind.startsWith("gz");
    const std::string p = path(gz ? "points.jsonl.gz" : "points.jsonl.zst");
    const size_t half = data.find('\n', data.size() / 2) + 1;
    if (kind == "gz1") {
        write_gz(p, data);
    } else if (kind == "gz2") { // two gzip members back to back, as `cat a.gz b.gz` makes
        write_gz(p + ".a", data.substr(0, half));
        write_gz(p + ".b", data.substr(half));
        std::ifstream a(p + ".a", std::ios::binary), b(p + ".b", std::ios::binary);
        std::ofstream(p, std::ios::binary) << a.rdbuf() << b.rdbuf();
    } else if (kind == "zstN") { // one frame per ~200 KB, as pzstd and `ladm export` write
        std::string out;
        for (size_t at = 0; at < data.size();) {
            size_t end = std::min(data.size(), data.find('\n', at + 200000) + 1);
            if (end == 0) end = data.size();
            std::string f(ZSTD_compressBound(end - at), '\0');
            f.resize(ZSTD_compress(f.data(), f.size(), data.data() + at, end - at, 3));
            out += f;
            at = end;
        }
        write_text(p, out);
    } else {
        write_zst(p, data);
    }

    std::string err;
    auto r = CorpusReader::open({p}, CorpusOptions{}, &err);
    QVERIFY2(r, err.c_str());
    r->index_spacing = 64 * 1024;
    std::vector<AccessPoint> points;
    int calls = 0;
    r->on_file_indexed = [&](const std::string& f, const std::vector<AccessPoint>& pts) {
        QCOMPARE(f, p);
        points = pts;
        ++calls;
    };
    const auto v = read_all(*r);
    QVERIFY(r->problems().empty());
    QCOMPARE(int(v.size()), int(lines.size()));
    if (kind == "zst1") {
        QCOMPARE(calls, 0); // nothing to record: a zstd frame cannot be entered mid-way
        return;
    }
    QCOMPARE(calls, 1);
    QVERIFY2(points.size() >= (kind == "zstN" ? 10u : 20u), std::to_string(points.size()).c_str());
    for (size_t i = 1; i < points.size(); ++i)
        QVERIFY(points[i].out >= points[i - 1].out + 64 * 1024);
    if (kind == "gz2") { // points in the second member too
        QVERIFY(points.back().out > half);
        for (const auto& pt : points)
            QCOMPARE(pt.window.size(), size_t(32768));
    }
    for (size_t i = 0; i < v.size(); i += 7) {
        std::string raw;
        QVERIFY2(CorpusReader::raw_at(v[i].loc, CorpusOptions{}, &raw, &err, &points), err.c_str());
        QCOMPARE(raw, lines[i]);
    }

    // Destroy the first 2 KB of compressed data: the file can no longer be read from its
    // start, but a record after the first access point still reads back through it.
    {
        std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(gz ? 20 : 0);
        f << std::string(2000, '\x55');
    }
    size_t late = v.size() - 1;
    QVERIFY(v[late].loc.offset > points.front().out);
    std::string raw;
    QVERIFY(!CorpusReader::raw_at(v[late].loc, CorpusOptions{}, &raw, &err));
    QVERIFY2(CorpusReader::raw_at(v[late].loc, CorpusOptions{}, &raw, &err, &points), err.c_str());
    QCOMPARE(raw, lines[late]);
}

// The cache keeps a file's access points (windows compressed) and drops them when the
// file changes.
void TestCorpus::accessPointsInCache() {
    std::string err;
    auto cache = Cache::open(path("points.db"), &err);
    QVERIFY2(cache, err.c_str());
    const std::string p = path("f.jsonl.gz");
    write_gz(p, join(kGood));
    FileInfo fi;
    QVERIFY(stat_file(p, &fi, &err));
    int64_t fid = 0, inval = 0;
    QVERIFY(cache->register_file(fi, &fid, &inval, &err));
    std::vector<AccessPoint> pts(3);
    for (int i = 0; i < 3; ++i) {
        pts[size_t(i)].out = uint64_t(i + 1) << 20;
        pts[size_t(i)].in = uint64_t(i + 1) * 1000;
        pts[size_t(i)].bits = i;
        pts[size_t(i)].window = std::string(32768, char('a' + i)) + std::to_string(i);
    }
    QVERIFY2(cache->put_access_points(fid, pts, &err), err.c_str());
    QVERIFY2(cache->put_access_points(fid, {pts[1]}, &err), err.c_str()); // idempotent
    const auto back = cache->access_points(p);
    QCOMPARE(back.size(), size_t(3));
    for (size_t i = 0; i < 3; ++i) {
        QCOMPARE(back[i].out, pts[i].out);
        QCOMPARE(back[i].in, pts[i].in);
        QCOMPARE(back[i].bits, pts[i].bits);
        QVERIFY(back[i].window == pts[i].window);
    }
    QVERIFY(cache->access_points(path("other.jsonl.gz")).empty());
    fi.mtime += 1; // the file changed: its points are stale
    QVERIFY(cache->register_file(fi, &fid, &inval, &err));
    QVERIFY(cache->access_points(p).empty());
}

QTEST_GUILESS_MAIN(TestCorpus)
#include "tst_corpus.moc"
