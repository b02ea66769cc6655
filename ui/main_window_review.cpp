// MainWindow: candidates, selection, review and decisions, the "why" panel, export.
#include "ui/main_window.h"

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
        std::set<std::string> domains;
        if (cache) {
            const auto rows = cache->results(run, /*corpus_order=*/false);
            *v = candidates_of(rows);
            for (const auto& r : rows) {
                l.keys.push_back(r.key);
                domains.insert(r.domain);
            }
        }
        for (const auto& d : domains)
            l.domains << QString::fromStdString(d);
        l.candidates = v;
        return l;
    }));
}

namespace {
struct SelectionJob {
    SelectionResult result;
    std::vector<qint64> reviewOrder;
    int generation = 0;
};

// The selection and the review order, off the GUI thread (with a million candidates the
// selection alone takes ~0.4 s).
SelectionJob run_selection(std::shared_ptr<const std::vector<Candidate>> cands, SelectionRecipe rc,
                           QString list, int generation) {
    SelectionJob job;
    job.generation = generation;
    job.result = select_samples(*cands, rc);
    const std::set<int64_t> kept(job.result.kept.begin(), job.result.kept.end());
    std::vector<const Candidate*> v;
    for (const auto& c : *cands) {
        const bool k = kept.count(c.sample_id) > 0;
        if ((list == "kept" && k) || (list == "dropped" && !k) || list == "borderline")
            v.push_back(&c);
    }
    if (list == "borderline") {
        // Nearest the cut in each domain: the threshold, or the lowest kept CDS there.
        std::map<std::string, double> cut;
        for (const auto& c : *cands)
            if (kept.count(c.sample_id) && c.scored) {
                auto it = cut.find(c.domain);
                cut[c.domain] = it == cut.end() ? c.cds : std::min(it->second, c.cds);
            }
        if (rc.mode == SelectMode::Threshold && rc.threshold)
            for (auto& [d, t] : cut)
                t = rc.domain_thresholds.count(d) ? rc.domain_thresholds.at(d) : *rc.threshold;
        v.erase(std::remove_if(v.begin(), v.end(),
                               [&](auto* c) { return !c->scored || !cut.count(c->domain); }),
                v.end());
        std::sort(v.begin(), v.end(), [&](auto* a, auto* b) {
            return std::abs(a->cds - cut[a->domain]) < std::abs(b->cds - cut[b->domain]);
        });
    } else {
        std::sort(v.begin(), v.end(), [](auto* a, auto* b) { return a->cds > b->cds; });
    }
    for (auto* c : v)
        job.reviewOrder.push_back(c->sample_id);
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
    const int gen = ++m_selectionGeneration;
    auto* watcher = new QFutureWatcher<SelectionJob>(this);
    connect(watcher, &QFutureWatcher<SelectionJob>::finished, this, [this, watcher, rc] {
        SelectionJob job = watcher->result();
        watcher->deleteLater();
        if (job.generation != m_selectionGeneration) return; // a newer one is on its way
        m_recipe = rc;
        m_selection = std::move(job.result);
        m_reviewOrder = std::move(job.reviewOrder);
        m_selPanel->showResult(m_selection, rc.budget, m_scoring);
        Q_EMIT selectionUpdated();
    });
    watcher->setFuture(
        QtConcurrent::run(run_selection, m_candidates, rc, m_selPanel->reviewList(), gen));
}

void MainWindow::reviewStep(int delta) {
    if (m_reviewOrder.empty()) return;
    m_reviewPos = std::clamp(m_reviewPos + delta, 0, int(m_reviewOrder.size()) - 1);
    const qint64 id = m_reviewOrder[size_t(m_reviewPos)];
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

bool MainWindow::exportTo(const QString& out, const QString& rejected, const QString& format,
                          QString* error) {
    if (!m_cache || !m_candidates) {
        *error = tr("nothing scored yet");
        return false;
    }
    // Save the current selection under "default", then export it.
    const nlohmann::json recipe = recipe_json(m_recipe, m_run, m_selection);
    std::string err;
    if (!m_cache->save_selection("default", recipe.dump(), m_selection.kept, &err)) {
        *error = QString::fromStdString(err);
        return false;
    }
    ExportOptions o;
    o.out_path = out.toStdString();
    o.rejected_path = rejected.toStdString();
    o.format = format.toStdString();
    ExportSummary sum;
    if (!export_selection(*m_cache, o, &sum, &err)) {
        *error = QString::fromStdString(err);
        return false;
    }
    return true;
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
    QString err;
    if (!exportTo(out->text(), withRejected->isChecked() ? rejected->text() : QString(),
                  format->currentData().toString(), &err))
        QMessageBox::warning(this, tr("Export"), err);
    else
        statusBar()->showMessage(tr("exported to %1").arg(out->text()), 5000);
}

} // namespace ladm::ui
