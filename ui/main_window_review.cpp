// MainWindow: candidates, selection, review and decisions, the "why" panel, export.
#include "ui/agreement_view.h"
#include "ui/main_window.h"

#include "core/curate/score_table.h"

#include "core/curate/exporter.h"
#include "core/curate/recipe.h"
#include "core/store/cache.h"
#include "ui/corpus_table_model.h"
#include "ui/distribution_view.h"
#include "ui/sample_viewer.h"
#include "ui/selection_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QEventLoop>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QStatusBar>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QtConcurrent>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace ladm::ui {

namespace {
struct CandidateLoad {
    QString score = "cds"; // the run's score selection uses (CDS, else its first)
    std::shared_ptr<const std::vector<Candidate>> candidates;
    std::vector<std::string> keys;
    QStringList domains;
    int generation = 0;
};
} // namespace

void MainWindow::reloadCandidates() {
    if (m_cachePath.isEmpty() || !m_run) return;
    if (m_candidatesLoading) { // a load is running: run once more when it ends
        m_candidatesStale = true;
        return;
    }
    m_candidatesLoading = true;
    // Read in the background with its own connection; drop stale answers.
    const int gen = ++m_candidateGeneration;
    const QString path = m_cachePath;
    const qint64 run = m_run;
    auto* watcher = new QFutureWatcher<CandidateLoad>(this);
    connect(watcher, &QFutureWatcher<CandidateLoad>::finished, this, [this, watcher] {
        const CandidateLoad l = watcher->result();
        watcher->deleteLater();
        m_candidatesLoading = false;
        if (m_candidatesStale) {
            m_candidatesStale = false;
            QTimer::singleShot(0, this, &MainWindow::reloadCandidates);
        }
        if (l.generation != m_candidateGeneration) return;
        m_candidates = l.candidates;
        m_score = l.score;
        m_keys = l.keys;
        const QString cur = m_domainFilter->currentText();
        {
            QSignalBlocker b(m_domainFilter);
            m_domainFilter->clear();
            m_domainFilter->addItem(tr("all domains"));
            m_domainFilter->addItems(l.domains);
            const int i = m_domainFilter->findText(cur);
            m_domainFilter->setCurrentIndex(std::max(0, i));
        }
        m_dist->setCandidates(*m_candidates, m_scoring);
        m_selPanel->setDomains(l.domains);
        recomputeSelection();
        Q_EMIT candidatesUpdated();
    });
    watcher->setFuture(QtConcurrent::run([path, run, gen] {
        CandidateLoad l;
        l.generation = gen;
        std::string err;
        auto cache = Cache::open(path.toStdString(), &err);
        auto v = std::make_shared<std::vector<Candidate>>();
        if (cache) {
            auto rows = cache->results(run, /*corpus_order=*/false);
            const std::string score = run_scores(*cache, run).front();
            l.score = QString::fromStdString(score);
            std::string derr;
            add_derived_scores(&rows, {score}, &derr); // none yet: no candidate is scored
            *v = candidates_of(rows, score);
            for (const auto& r : rows)
                l.keys.push_back(r.key);
            // every indexed sample's domain, so pending ones can be filtered too
            for (const auto& d : cache->domains())
                l.domains << QString::fromStdString(d);
        }
        l.candidates = v;
        return l;
    }));
}

namespace {
struct SelectionJob {
    SelectionResult result;
    std::vector<qint64> reviewOrder;
    QVector<ReviewQueueRow> queue; // the first rows of the review order, for the panel
    int generation = 0;
};

// The selection and the review order (core), off the GUI thread (with a million candidates
// the selection alone takes ~0.4 s).
SelectionJob run_selection(std::shared_ptr<const std::vector<Candidate>> cands,
                           std::vector<std::string> keys, SelectionRecipe rc, QString list,
                           int generation) {
    SelectionJob job;
    job.generation = generation;
    job.result = select_samples(*cands, rc);
    const auto order = review_order(
        *cands, rc, job.result, parse_review_list(list.toStdString()).value_or(ReviewList::Kept));
    job.reviewOrder.reserve(order.size());
    for (const auto& r : order) {
        const Candidate& c = (*cands)[r.index];
        job.reviewOrder.push_back(c.sample_id);
        if (job.queue.size() < 200)
            job.queue.push_back({c.sample_id, QString::fromStdString(keys[r.index]),
                                 QString::fromStdString(c.domain), c.scored ? c.cds : NAN, r.cut,
                                 r.kept});
    }
    return job;
}
} // namespace

void MainWindow::recomputeSelection() {
    if (!m_candidates) return;
    QString err;
    SelectionRecipe rc;
    if (!m_selPanel->recipe(&rc, &err)) {
        statusBar()->showMessage(err, 4000);
        return;
    }
    rc.score = m_score.toStdString();
    const int gen = ++m_selectionGeneration;
    auto* watcher = new QFutureWatcher<SelectionJob>(this);
    connect(watcher, &QFutureWatcher<SelectionJob>::finished, this, [this, watcher, rc] {
        SelectionJob job = watcher->result();
        watcher->deleteLater();
        if (job.generation != m_selectionGeneration) return; // a newer one is on its way
        m_recipe = rc;
        m_selection = std::move(job.result);
        if (!m_customReview) {
            m_reviewOrder = std::move(job.reviewOrder);
            m_selPanel->showQueue(job.queue, qint64(m_reviewOrder.size()));
        }
        m_selPanel->showResult(m_selection, rc.budget, m_scoring);
        Q_EMIT selectionUpdated();
    });
    watcher->setFuture(
        QtConcurrent::run(run_selection, m_candidates, m_keys, rc, m_selPanel->reviewList(), gen));
}

void MainWindow::reviewStep(int delta) {
    if (m_reviewOrder.empty()) return;
    m_reviewPos = std::clamp(m_reviewPos + delta, 0, int(m_reviewOrder.size()) - 1);
    const qint64 id = m_reviewOrder[size_t(m_reviewPos)];
    m_selPanel->setQueuePosition(m_reviewPos);
    const int row = m_table->rowOfSample(id);
    if (row >= 0)
        m_tableView->selectRow(row);
    else
        showSample(id);
    statusBar()->showMessage(tr("%1 %2 of %3")
                                 .arg(m_selPanel->reviewList())
                                 .arg(m_reviewPos + 1)
                                 .arg(m_reviewOrder.size()),
                             3000);
}

void MainWindow::showSample(qint64 sampleId) {
    if (!sampleId || m_cachePath.isEmpty()) return;
    m_currentSample = sampleId;
    m_viewer->showMessage(tr("loading sample..."));
    m_inspector->supersede(++m_inspectGeneration); // a queued older request is dropped
    Q_EMIT requestInspect(sampleId, m_cachePath, m_run, m_viewer->layer(), m_inspectGeneration);
}

void MainWindow::showWhy(const SampleInspection& s) {
    QString html = tr("<b>Why this score</b><br>");
    if (s.status != "ok") {
        m_why->setHtml(html + tr("not scored: %1 %2").arg(s.status, s.error.toHtmlEscaped()));
        return;
    }
    // AFS profile as a bar strip, earliest query span first.
    html += tr("AFS per query span (earliest first): ");
    double amax = 0;
    for (double a : s.afs)
        amax = std::max(amax, a);
    const QString bars = QString::fromUtf8("\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588");
    QString strip;
    for (int i = int(s.afs.size()) - 1; i >= 0; --i)
        strip += bars[std::clamp(int(amax > 0 ? s.afs[i] / amax * 7.999 : 0), 0, 7)];
    html += "<span style='font-family:monospace'>" + strip + "</span><br><br>";
    html += tr("<b>Strongest distant dependencies</b> (query span &rarr; earlier window, attention "
               "mass):<ul>");
    auto snippet = [&](qint64 tok) {
        const int from =
            tok < s.tokenCharBegin.size() ? s.tokenCharBegin[int(tok)] : int(s.text.size());
        const qint64 endTok = tok + s.span;
        const int to =
            endTok < s.tokenCharBegin.size() ? s.tokenCharBegin[int(endTok)] : int(s.text.size());
        QString t = s.text.mid(from, std::min(to - from, 90)).simplified();
        return t.toHtmlEscaped();
    };
    for (const auto& d : s.strongest) {
        const qint64 t = d.queryBegin;
        html += tr("<li>[%1, %2) &rarr; [%3, %4), mass %5, distance %6<br><i>%7</i><br>&rarr; "
                   "<i>%8</i></li>")
                    .arg(t)
                    .arg(t + s.span)
                    .arg(d.keyBegin)
                    .arg(d.keyBegin + s.span)
                    .arg(double(d.mass), 0, 'g', 3)
                    .arg(t - d.keyBegin)
                    .arg(snippet(t), snippet(d.keyBegin));
    }
    m_why->setHtml(html + "</ul>");
}

void MainWindow::setDecision(qint64 sampleId, const QString& decision, const QString& note) {
    if (!m_cache || !sampleId) return;
    std::string key;
    if (m_candidates)
        for (size_t i = 0; i < m_candidates->size(); ++i)
            if ((*m_candidates)[i].sample_id == sampleId) key = m_keys[i];
    if (key.empty()) return;
    std::string err;
    const bool ok = decision.isEmpty() ? m_cache->clear_override(key, &err)
                                       : m_cache->set_override(key, decision.toStdString(),
                                                               note.toStdString(), &err);
    if (!ok) {
        addProblem(QString::fromStdString(err));
        return;
    }
    statusBar()->showMessage(decision.isEmpty()
                                 ? tr("%1: decision cleared").arg(QString::fromStdString(key))
                                 : tr("%1: %2").arg(QString::fromStdString(key), decision),
                             3000);
    m_table->refresh();
    reloadCandidates();
}

void MainWindow::decideCurrent(const QString& decision, bool askNote) {
    if (!m_currentSample) return;
    QString note;
    if (askNote) {
        bool ok = false;
        note = QInputDialog::getText(this, tr("Note"), tr("Why %1 this sample?").arg(decision),
                                     QLineEdit::Normal, {}, &ok);
        if (!ok) return;
    }
    setDecision(m_currentSample, decision, note);
}

// The current selection saved as "default" and exported, in the background with its own
// cache connection; a progress dialog can cancel it. What it writes is what `ladm select`
// + `ladm export` write for the same recipe (same core functions).
void MainWindow::startExport(const QString& out, const QString& rejected, const QString& format) {
    if (!m_cache || !m_candidates || m_exporting) {
        Q_EMIT exportFinished(false,
                              m_exporting ? tr("an export is running") : tr("nothing scored yet"));
        return;
    }
    m_exporting = true;
    const std::string recipe = recipe_json(m_recipe, m_run, m_selection).dump();
    const std::vector<int64_t> kept = m_selection.kept;
    const std::string path = m_cachePath.toStdString();
    ExportOptions o;
    o.out_path = out.toStdString();
    o.rejected_path = rejected.toStdString();
    o.format = format.toStdString();
    auto done = std::make_shared<std::atomic<qint64>>(0),
         total = std::make_shared<std::atomic<qint64>>(0);
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    o.progress = [done, total, cancel](int64_t d, int64_t t) {
        *done = d;
        *total = t;
        return !cancel->load();
    };
    auto* dialog =
        new QProgressDialog(tr("Exporting to %1 ...").arg(out), tr("Cancel"), 0, 1000, this);
    dialog->setWindowModality(Qt::NonModal);
    dialog->setMinimumDuration(500);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QProgressDialog::canceled, this, [cancel] { *cancel = true; });
    auto* poll = new QTimer(dialog);
    connect(poll, &QTimer::timeout, dialog, [dialog, done, total] {
        if (*total > 0) dialog->setValue(int(1000 * *done / *total));
    });
    poll->start(100);
    auto* w = new QFutureWatcher<QString>(this);
    connect(w, &QFutureWatcher<QString>::finished, this, [this, w, dialog, out] {
        const QString err = w->result();
        w->deleteLater();
        dialog->close();
        m_exporting = false;
        Q_EMIT exportFinished(err.isEmpty(), err.isEmpty() ? tr("exported to %1").arg(out) : err);
    });
    w->setFuture(QtConcurrent::run([path, recipe, kept, o] {
        std::string err;
        auto cache = Cache::open(path, &err);
        ExportSummary sum;
        if (!cache || !cache->save_selection("default", recipe, kept, &err) ||
            !export_selection(*cache, o, &sum, &err))
            return QString::fromStdString(err);
        return QString();
    }));
}

bool MainWindow::exportTo(const QString& out, const QString& rejected, const QString& format,
                          QString* error) {
    bool ok = false;
    QEventLoop loop;
    auto c = connect(this, &MainWindow::exportFinished, &loop, [&](bool good, const QString& msg) {
        ok = good;
        if (!good) *error = msg;
        loop.quit();
    });
    startExport(out, rejected, format);
    if (m_exporting) loop.exec();
    disconnect(c);
    return ok;
}

void MainWindow::exportDialog() {
    QDialog d(this);
    d.setWindowTitle(tr("Export selection"));
    auto* out = new QLineEdit(QFileInfo(m_inputs.value(0)).absolutePath() + "/selected.jsonl.zst");
    auto* browse = new QPushButton(tr("..."));
    auto* format = new QComboBox;
    format->addItem(tr("original records + score (.jsonl / .gz / .zst by extension)"), "jsonl");
    format->addItem(tr("the authors' sorted_by_score.jsonl"), "ladm-scores");
    auto* withRejected = new QCheckBox(tr("also write the rejected set"));
    auto* rejected =
        new QLineEdit(QFileInfo(m_inputs.value(0)).absolutePath() + "/rejected.jsonl.zst");
    auto* row = new QHBoxLayout;
    row->addWidget(out, 1);
    row->addWidget(browse);
    auto* form = new QFormLayout(&d);
    form->addRow(tr("destination"), row);
    form->addRow(tr("format"), format);
    form->addRow(withRejected);
    form->addRow(tr("rejected to"), rejected);
    form->addRow(new QLabel(
        tr("selection.json (inputs, model, parameters, recipe, overrides) is written beside it.")));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &d, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &d, &QDialog::reject);
    connect(browse, &QPushButton::clicked, &d, [&] {
        const auto f = QFileDialog::getSaveFileName(&d, tr("Export to"), out->text());
        if (!f.isEmpty()) out->setText(f);
    });
    if (d.exec() != QDialog::Accepted) return;
    startExport(out->text(), withRejected->isChecked() ? rejected->text() : QString(),
                format->currentData().toString());
}

// The score agreement tab: a click opens a sample; "Review these" makes its list the
// review queue until a review list is picked in the selection panel.
void MainWindow::buildAgreementTab() {
    m_agree = new AgreementView;
    connect(m_agree, &AgreementView::sampleActivated, this, [this](qint64 id) {
        m_tabs->setCurrentIndex(0);
        showSample(id);
    });
    connect(m_agree, &AgreementView::reviewRequested, this, [this](const QVector<qint64>& ids) {
        m_reviewOrder.assign(ids.begin(), ids.end());
        m_customReview = true; // kept until a review list is picked in the selection panel
        m_reviewPos = -1;
        m_tabs->setCurrentIndex(0);
        reviewStep(+1);
    });
}

} // namespace ladm::ui
