// The one mapping from a published Ofsted outcome (legacy grades and categories, report cards,
// or a childminder's registration outcome) to what the rules ask: RI-or-worse,
// Good-or-better (R-15, KPIs) and the category of concern. Pure, thread-safe.
#ifndef SCC_SERVICES_DOMAIN_OFSTED_H_
#define SCC_SERVICES_DOMAIN_OFSTED_H_

#include <string>

#include "scc/v1/events.pb.h"

namespace scc::domain {

struct OfstedSummary {
  bool ri_or_worse = false;
  bool good_or_better = false;
  v1::OfstedCategory category = v1::OFSTED_CATEGORY_NONE;  // SM or SW: a category of concern
  std::string label;  // e.g. "Requires Improvement", "Report card: urgent improvement (SW)"
};

// Report cards (docs/rules.md section 2): any area "needs attention" or "urgent improvement", or
// safeguarding not met, is RI-or-worse; "expected standard" or better everywhere with
// safeguarding met is Good-or-better. Any "urgent improvement" or safeguarding not met is a
// category of concern: special measures when leadership and governance is also "urgent
// improvement", serious weaknesses otherwise.
OfstedSummary Classify(const v1::OfstedOutcomeRecorded& outcome);

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_OFSTED_H_
