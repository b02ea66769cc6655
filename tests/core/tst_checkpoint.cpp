// Bad checkpoints: one clear error naming the file or tensor, never a crash.
#include "core/engine.h"
#include "tests/support/tiny_model.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace ladm;

namespace {
QString open_error(const QString& dir) {
    std::string err;
    EngineOptions o;
    o.device = "cpu";
    auto e = Engine::open(dir.toStdString(), o, &err);
    return e ? QString() : QString::fromStdString(err);
}

void write_file(const QString& path, const QByteArray& data) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(data);
}

QByteArray read_file(const QString& path) {
    QFile f(path);
    f.open(QIODevice::ReadOnly);
    return f.readAll();
}
} // namespace

class TestCheckpoint : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void init();
    void goodCheckpointOpens();
    void missingFolder();
    void missingConfig();
    void missingWeights();
    void unknownModelType();
    void badConfigValue();
    void shapeDisagreesWithConfig();
    void missingTensor();
    void truncatedFile();
    void headerLengthPastEnd();
    void offsetsPastEnd();
    void unsupportedDtype();
    void headerNotJson();
    void indexNamesMissingTensor();

  private:
    QTemporaryDir m_tmp;
    QString m_dir;
    int m_n = 0;
};

void TestCheckpoint::init() {
    m_dir = m_tmp.filePath(QString("ck%1").arg(m_n++));
    test::TinyModelSpec spec;
    spec.layers = 1;
    QCOMPARE(QString::fromStdString(test::write_tiny_checkpoint(m_dir.toStdString(), spec)),
             QString());
}

void TestCheckpoint::goodCheckpointOpens() {
    QCOMPARE(open_error(m_dir), QString());
}

void TestCheckpoint::missingFolder() {
    const QString err = open_error(m_dir + "/nope");
    QVERIFY(err.contains("nope") && err.contains("not a directory"));
}

void TestCheckpoint::missingConfig() {
    QFile::remove(m_dir + "/config.json");
    const QString err = open_error(m_dir);
    QVERIFY2(err.contains("config.json") && err.contains("missing"), qPrintable(err));
}

void TestCheckpoint::missingWeights() {
    QFile::remove(m_dir + "/model.safetensors");
    const QString err = open_error(m_dir);
    QVERIFY2(err.contains("no model.safetensors"), qPrintable(err));
}

void TestCheckpoint::unknownModelType() {
    QByteArray cfg = read_file(m_dir + "/config.json");
    cfg.replace("\"model_type\": \"llama\"", "\"model_type\": \"gpt_neox\"");
    write_file(m_dir + "/config.json", cfg);
    const QString err = open_error(m_dir);
    QVERIFY2(err.contains("config.json") && err.contains("gpt_neox"), qPrintable(err));
}

void TestCheckpoint::badConfigValue() {
    QByteArray cfg = read_file(m_dir + "/config.json");
    cfg.replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3");
    write_file(m_dir + "/config.json", cfg);
    const QString err = open_error(m_dir);
    QVERIFY2(err.contains("config.json") && err.contains("num_key_value_heads"), qPrintable(err));
}

void TestCheckpoint::shapeDisagreesWithConfig() {
    QByteArray cfg = read_file(m_dir + "/config.json");
    cfg.replace("\"intermediate_size\": 48", "\"intermediate_size\": 40");
    write_file(m_dir + "/config.json", cfg);
    const QString err = open_error(m_dir);
    QVERIFY2(err.contains("model.safetensors") &&
                 err.contains("model.layers.0.mlp.gate_proj.weight") && err.contains("[48, 32]") &&
                 err.contains("[40, 32]"),
             qPrintable(err));
}

void TestCheckpoint::missingTensor() {
    test::write_safetensors(
        (m_dir + "/model.safetensors").toStdString(),
        {{"model.embed_tokens.weight", "F32", {97, 32}, std::vector<float>(97 * 32, 0.f)}});
    const QString err = open_error(m_dir);
    QVERIFY2(err.contains("missing tensor") && err.contains("model.norm.weight"), qPrintable(err));
}

void TestCheckpoint::truncatedFile() {
    QByteArray data = read_file(m_dir + "/model.safetensors");
    write_file(m_dir + "/model.safetensors", data.left(data.size() - 100));
    const QString err = open_error(m_dir);
    QVERIFY2(err.contains("model.safetensors") && err.contains("past the end") &&
                 err.contains("tensor '"),
             qPrintable(err));
    write_file(m_dir + "/model.safetensors", data.left(5));
    QVERIFY(open_error(m_dir).contains("truncated"));
}

void TestCheckpoint::headerLengthPastEnd() {
    QByteArray data = read_file(m_dir + "/model.safetensors");
    data[6] = char(0x7f); // header length ~ 2^55
    write_file(m_dir + "/model.safetensors", data);
    const QString err = open_error(m_dir);
    QVERIFY2(err.contains("model.safetensors") && err.contains("header length"), qPrintable(err));
}

void TestCheckpoint::offsetsPastEnd() {
    // A well-formed file whose header points one tensor past the data.
    const QString path = m_dir + "/model.safetensors";
    QByteArray data = read_file(path);
    quint64 n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | quint8(data[i]);
    QByteArray header = data.mid(8, int(n));
    const int pos = header.indexOf("model.norm.weight");
    const int off = header.indexOf("data_offsets", pos);
    const int open = header.indexOf('[', off), close = header.indexOf(']', off);
    QByteArray repl = "[0,99999999]";
    header.replace(open, close - open + 1, repl);
    QByteArray out(8, 0);
    for (int i = 0; i < 8; ++i)
        out[i] = char((quint64(header.size()) >> (8 * i)) & 0xff);
    out += header;
    out += data.mid(8 + int(n));
    write_file(path, out);
    const QString err = open_error(m_dir);
    QVERIFY2(err.contains("model.norm.weight") && err.contains("past the end"), qPrintable(err));
}

void TestCheckpoint::unsupportedDtype() {
    test::write_safetensors(
        (m_dir + "/model.safetensors").toStdString(),
        {{"model.embed_tokens.weight", "F64", {97, 32}, std::vector<float>(97 * 32, 0.f)}});
    const QString err = open_error(m_dir);
    QVERIFY2(err.contains("model.embed_tokens.weight") && err.contains("unsupported dtype F64"),
             qPrintable(err));
}

void TestCheckpoint::headerNotJson() {
    QByteArray bad(8, 0);
    bad[0] = 4;
    bad += "{{{{";
    write_file(m_dir + "/model.safetensors", bad);
    const QString err = open_error(m_dir);
    QVERIFY2(err.contains("model.safetensors") && err.contains("not valid JSON"), qPrintable(err));
}

void TestCheckpoint::indexNamesMissingTensor() {
    test::TinyModelSpec spec;
    spec.layers = 1;
    spec.shards = 2;
    const QString dir = m_tmp.filePath("sharded");
    test::write_tiny_checkpoint(dir.toStdString(), spec);
    QCOMPARE(open_error(dir), QString());
    QByteArray idx = read_file(dir + "/model.safetensors.index.json");
    idx.replace("\"model.norm.weight\"", "\"model.norm.weightX\"");
    write_file(dir + "/model.safetensors.index.json", idx);
    const QString err = open_error(dir);
    QVERIFY2(err.contains("model.norm.weightX"), qPrintable(err));
}

QTEST_APPLESS_MAIN(TestCheckpoint)
#include "tst_checkpoint.moc"
