// The selection controls (the modes of `ladm select`), the per-domain summary of what they
// keep, and the review controls (step through kept / dropped / borderline samples).
#pragma once

#include "core/curate/selection.h"

#include <QVector>
#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QTableView;
class QTableWidget;
class QPushButton;

namespace ladm::ui {

class DomainSummaryModel;

struct ReviewQueueRow {
    qint64 sampleId = 0;
    QString key, domain;
    double cds = 0, cut = 0; // cut: NaN unless borderline
    bool kept = false;
};

class SelectionPanel : public QWidget {
    Q_OBJECT
  public:
    explicit SelectionPanel(QWidget* parent = nullptr);
    // The recipe as the controls say; false + message when the budget text is not a count.
    bool recipe(SelectionRecipe* out, QString* error) const;
    void setThreshold(double t); // from the distribution view
    void showResult(const SelectionResult& r, int64_t budget, bool partial);
    DomainSummaryModel* summaryModel() const { return m_summary; }
    QString reviewList() const; // kept | dropped | borderline
    // For scripts and tests: mode as in `ladm select` (reference, budget-exact, threshold,
    // top) and the budget text ("1B").
    void setMode(const QString& mode);
    void setBudgetText(const QString& text);
    // Domains offered for per-domain thresholds (threshold mode; empty cell = global).
    void setDomains(const QStringList& domains);
    // The head of the review order (total: its full length); a click opens the sample.
    void showQueue(const QVector<ReviewQueueRow>& rows, qint64 total);
    void setQueuePosition(int pos);

  Q_SIGNALS:
    void recipeChanged();
    void reviewStep(int delta); // -1 previous, +1 next
    void reviewListChanged();
    void queueRowActivated(int pos, qint64 sampleId);

  private:
    QComboBox* m_mode;
    QLineEdit* m_budget;
    QDoubleSpinBox* m_threshold;
    QDoubleSpinBox* m_top;
    QLabel* m_result;
    QTableView* m_table;
    DomainSummaryModel* m_summary;
    QComboBox* m_review;
    QTableWidget* m_domainThresholds;
    QTableWidget* m_queue;
    QLabel* m_queueLabel;
};

} // namespace ladm::ui
