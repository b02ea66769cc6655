// Two of a run's scores side by side (Qt Charts): a scatter plot with one colour per
// domain (log axes when the values allow), Spearman and Kendall per domain, the samples the
// two rank most differently (a click opens one; "Review these" makes them the review queue),
// and the confound check: each score's Spearman against the samples' surface features per
// domain, |rho| >= 0.5 marked. The numbers come from core/curate/score_table.h (the same as
// `ladm stats --compare / --confounds`), computed off the GUI thread.
#pragma once

#include "core/curate/score_table.h"

#include <QVector>
#include <QWidget>

class QChart;
class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;

namespace ladm::ui {

struct AgreementData; // one background computation's results

class AgreementView : public QWidget {
    Q_OBJECT
  public:
    explicit AgreementView(QWidget* parent = nullptr);
    ~AgreementView() override;
    // The cache and run to read; reloads (when visible, else when next shown).
    void setSource(const QString& cachePath, qint64 run);
    // New results may exist (scoring): reload if visible and not already loading.
    void refresh();
    void setScores(const QString& a, const QString& b); // as picking them in the boxes
    QStringList scores() const;                         // the run's, in the boxes
    // The numbers shown, for tests and the walkthrough.
    const std::vector<Agreement>& agreement() const;
    const std::vector<Confound>& confoundRows() const;
    const std::vector<Disagreement>& disagreementRows() const;

  Q_SIGNALS:
    void sampleActivated(qint64 sampleId);
    void reviewRequested(const QVector<qint64>& sampleIds);
    void updated(); // a computation's results are shown

  protected:
    void showEvent(QShowEvent* e) override;

  private:
    void reload();
    void show(const AgreementData& d);

    QString m_path;
    qint64 m_run = 0;
    QString m_wantA, m_wantB; // the scores last picked (a computation may still show older ones)
    int m_generation = 0;
    bool m_loading = false, m_stale = false;
    std::unique_ptr<AgreementData> m_data;
    QComboBox* m_a;
    QComboBox* m_b;
    QCheckBox* m_log;
    QChart* m_chart;
    QLabel* m_note;
    QTableWidget* m_stats;
    QTableWidget* m_dis;
    QTableWidget* m_conf;
    QPushButton* m_review;
};

} // namespace ladm::ui
