// Turns the rows of a GIAS links file (URN, LinkURN, LinkName, LinkType, LinkEstablishedDate in
// dd-mm-yyyy) into life-cycle commands (docs/life-cycle.md) for the institutions the server
// knows, each dated by the link's date:
// - a "Predecessor..." row links URN back to LinkURN (PredecessorLinked);
// - a "Successor..." row ends URN with LinkURN as its successor: a conversion to an academy
//   (ConvertedToAcademy, with the academy's trust) when URN is a maintained school and LinkURN
//   an academy the server knows, otherwise a closure (InstitutionClosed).
// Rows for institutions the server does not hold, other link types ("Sixth Form Centre Link",
// "Merged - ...") and a second successor of one URN are skipped with the reason; links the
// server already holds are unchanged. Request ids come from the row's content, so importing the
// same file twice records nothing new. Pure functions; thread-safe.
#ifndef SCC_CLIENTS_IMPORT_LINKS_ROWS_H_
#define SCC_CLIENTS_IMPORT_LINKS_ROWS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "clients/import/csv.h"
#include "clients/import/rows.h"
#include "scc/v1/projections.pb.h"

namespace scc::import {

// What the plan needs to know of an institution the server holds.
struct KnownInstitution {
  v1::InstitutionKind kind = v1::INSTITUTION_KIND_UNSPECIFIED;
  std::string trust_name;
  bool closed = false;
  std::string successor_urn;  // of its closure or conversion
  std::vector<std::string> predecessor_urns;
};

// By URN.
using KnownInstitutions = absl::flat_hash_map<std::string, KnownInstitution>;

// From the server's status of one institution (ProjectionService.ListInstitutions).
KnownInstitution Known(const v1::InstitutionStatus& status);

struct LinksPlan {
  ImportPlan plan;
  std::vector<RowProblem> unchanged;           // links the server already holds
  std::map<std::string, int> skipped_by_reason;  // plan.skipped, counted by kind of reason
};

// URN, LinkURN, LinkType and LinkEstablishedDate are required columns; LinkName is used when
// present.
absl::StatusOr<LinksPlan> PlanLinks(const CsvTable& table, const KnownInstitutions& known);

}  // namespace scc::import

#endif  // SCC_CLIENTS_IMPORT_LINKS_ROWS_H_
