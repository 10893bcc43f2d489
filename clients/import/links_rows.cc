#include "clients/import/links_rows.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace scc::import {
namespace {

constexpr absl::string_view kColumns[] = {"URN", "LinkURN", "LinkType", "LinkEstablishedDate"};

// The cell of `column`, trimmed; "" when the row is short.
std::string Cell(const CsvTable& table, const CsvRow& row, absl::string_view column) {
  const int i = table.Column(column);
  if (i < 0 || i >= static_cast<int>(row.fields.size())) return "";
  return std::string(absl::StripAsciiWhitespace(row.fields[i]));
}

// Six or seven digits: GIAS links are between establishments, never early-years providers.
bool SchoolUrn(absl::string_view urn) {
  return (urn.size() == 6 || urn.size() == 7) &&
         std::all_of(urn.begin(), urn.end(), [](char c) { return absl::ascii_isdigit(c); });
}

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

KnownInstitution Known(const v1::InstitutionStatus& status) {
  KnownInstitution known;
  known.kind = status.details().kind();
  known.trust_name = status.details().trust_name();
  known.closed = !status.closed_on().empty();
  known.successor_urn = status.has_conversion() ? status.conversion().successor_urn()
                                                : status.closure().successor_urn();
  for (const v1::PredecessorLinked& p : status.predecessors()) {
    known.predecessor_urns.push_back(p.predecessor_urn());
  }
  return known;
}

absl::StatusOr<LinksPlan> PlanLinks(const CsvTable& table, const KnownInstitutions& known) {
  std::vector<std::string> missing;
  for (absl::string_view c : kColumns) {
    if (table.Column(c) < 0) missing.emplace_back(c);
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line 1: missing column(s) ", absl::StrJoin(missing, ", "),
        " (a GIAS links file has URN, LinkURN, LinkName, LinkType, LinkEstablishedDate)"));
  }
  LinksPlan out;
  ImportPlan& plan = out.plan;
  absl::flat_hash_map<std::string, int> ended_by_line;  // URNs this file closes, and where
  absl::flat_hash_map<std::string, int> linked_by_line;  // "URN/predecessor" this file links
  for (const CsvRow& row : table.rows) {
    const std::string urn = Cell(table, row, "URN");
    const std::string link_urn = Cell(table, row, "LinkURN");
    const std::string link_type = Cell(table, row, "LinkType");
    const std::string link_name = Cell(table, row, "LinkName");
    const std::string date_text = Cell(table, row, "LinkEstablishedDate");
    auto error = [&](std::string reason) { plan.errors.push_back({row.line, std::move(reason)}); };
    auto skip = [&](const std::string& kind, std::string reason) {
      ++out.skipped_by_reason[kind];
      plan.skipped.push_back({row.line, std::move(reason)});
    };
    if (!SchoolUrn(urn)) {
      error(absl::StrCat("URN '", urn, "' is not 6 or 7 digits"));
      continue;
    }
    if (!SchoolUrn(link_urn)) {
      error(absl::StrCat("LinkURN '", link_urn, "' is not 6 or 7 digits"));
      continue;
    }
    if (link_urn == urn) {
      error(absl::StrCat("LinkURN ", link_urn, " is the row's own URN"));
      continue;
    }
    const std::string date = NormaliseDate(date_text);
    if (date.empty()) {
      error(absl::StrCat("LinkEstablishedDate '", date_text, "' is not a date (dd-mm-yyyy)"));
      continue;
    }
    const bool predecessor = absl::StartsWithIgnoreCase(link_type, "predecessor");
    const bool successor = absl::StartsWithIgnoreCase(link_type, "successor");
    if (!predecessor && !successor) {
      skip("not a predecessor or successor link",
           absl::StrCat("link type '", link_type, "' is neither a predecessor nor a successor"));
      continue;
    }
    const auto self = known.find(urn);
    if (self == known.end()) {
      skip("institution not held by this server", absl::StrCat(urn, " is not registered here"));
      continue;
    }
    RowCommand command;
    command.line = row.line;
    command.urn = urn;
    command.effective_date = date;
    command.request_id = absl::StrCat("import/links/", urn, "/", link_urn, "/", date);
    if (predecessor) {
      const std::string key = absl::StrCat(urn, "/", link_urn);
      if (Contains(self->second.predecessor_urns, link_urn) || linked_by_line.contains(key)) {
        out.unchanged.push_back({row.line, absl::StrCat(urn, " is already linked to ", link_urn)});
        continue;
      }
      linked_by_line[key] = row.line;
      v1::PredecessorLinked* link = command.payload.mutable_predecessor_linked();
      link->set_predecessor_urn(link_urn);
      link->set_link_type(link_type);
      link->set_predecessor_name(link_name);
      plan.commands.push_back(std::move(command));
      continue;
    }
    if (self->second.closed) {
      if (self->second.successor_urn == link_urn) {
        out.unchanged.push_back({row.line, absl::StrCat(urn, " already closed, successor ", link_urn)});
      } else {
        skip("already closed with another successor",
             absl::StrCat(urn, " already closed",
                          self->second.successor_urn.empty()
                              ? ""
                              : absl::StrCat(" with successor ", self->second.successor_urn)));
      }
      continue;
    }
    if (const auto earlier = ended_by_line.find(urn); earlier != ended_by_line.end()) {
      skip("a second successor (a split school)",
           absl::StrCat(urn, " is closed by line ", earlier->second, "; ", link_urn,
                        " is another of its successors"));
      continue;
    }
    ended_by_line[urn] = row.line;
    const auto next = known.find(link_urn);
    if (self->second.kind == v1::INSTITUTION_KIND_MAINTAINED_SCHOOL && next != known.end() &&
        next->second.kind == v1::INSTITUTION_KIND_ACADEMY) {
      v1::ConvertedToAcademy* c = command.payload.mutable_converted_to_academy();
      c->set_successor_urn(link_urn);
      c->set_trust_name(next->second.trust_name);
      c->set_successor_name(link_name);
      if (c->trust_name().empty()) {
        error(absl::StrCat("the academy ", link_urn, " has no trust recorded: import the GIAS "
                           "establishments (Trusts (name)) first"));
        continue;
      }
    } else {
      v1::InstitutionClosed* c = command.payload.mutable_institution_closed();
      c->set_successor_urn(link_urn);
      c->set_link_type(link_type);
    }
    plan.commands.push_back(std::move(command));
  }
  return out;
}

}  // namespace scc::import
