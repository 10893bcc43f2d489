#include "services/server/projection_service.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/codec/event_codec.h"
#include "services/domain/authorization.h"
#include "services/domain/dates.h"
#include "services/domain/decide.h"
#include "services/domain/errors.h"
#include "services/domain/fields.h"
#include "services/projections/as_of.h"
#include "storage/status_macros.h"

namespace scc::server {
namespace {

using projections::InstitutionProjection;
using StatePtr = InstitutionProjection::StatePtr;

// Offsets as page tokens: results are sorted deterministically, so an offset is stable.
absl::StatusOr<size_t> Offset(const std::string& token) {
  size_t offset = 0;
  if (!token.empty() && !absl::SimpleAtoi(token, &offset)) {
    return domain::InvalidField("page_token", "is not a token from a previous page");
  }
  return offset;
}

uint32_t Clamp(uint32_t requested, uint32_t fallback, uint32_t limit) {
  return requested == 0 ? fallback : std::min(requested, limit);
}

template <typename T>
bool AnyOf(const google::protobuf::RepeatedField<int>& wanted, T value) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), static_cast<int>(value)) !=
                               wanted.end();
}

absl::Status CheckUrn(const std::string& urn, const std::string& field = "urn") {
  if (domain::IsValidUrn(urn)) return absl::OkStatus();
  return domain::InvalidField(field, absl::StrCat("'", urn, "' is not a URN"));
}

}  // namespace

struct ProjectionServiceImpl::View {
  projections::TimeFilter filter;
  absl::CivilDay day;  // obligations and days in SCC are computed for this date
  absl::Time deadline;  // for folding the log as of a date: a long call
};

absl::StatusOr<ProjectionServiceImpl::View> ProjectionServiceImpl::Resolve(
    const v1::QueryOptions& options, const UnaryCall& call) const {
  View view;
  view.day = today_();
  view.deadline = call.long_deadline();
  if (!options.as_of().empty()) {
    const auto day = domain::ParseDate(options.as_of());
    if (!day) return domain::InvalidField("options.as_of", "is not a date (YYYY-MM-DD)");
    if (*day > domain::LatestPlannedDate(view.day)) {
      return domain::InvalidField(
          "options.as_of", absl::StrCat(options.as_of(), " is more than ", domain::kPlanningYears,
                                        " years ahead; what is due then is not known yet"));
    }
    view.filter.as_of = options.as_of();
    view.day = *day;
  }
  if (options.has_known_at()) {
    ASSIGN_OR_RETURN(view.filter.known_at,
                     codec::FromTimestamp(options.known_at(), "options.known_at"));
  }
  return view;
}

absl::StatusOr<std::vector<StatePtr>> ProjectionServiceImpl::Institutions(const View& view) const {
  if (view.filter.empty()) return projection_->All();
  return snapshots_->FoldAll(view.filter, log_->NextPosition(), view.deadline);
}

absl::Status ProjectionServiceImpl::GetInstitution(const UnaryCall& call,
                                                   const v1::GetInstitutionRequest& request,
                                                   v1::InstitutionStatus* response) {
  RETURN_IF_ERROR(CheckUrn(request.urn()));
  ASSIGN_OR_RETURN(View view, Resolve(request.options(), call));
  StatePtr state;
  if (view.filter.empty()) {
    state = projection_->Get(request.urn());
  } else {
    ASSIGN_OR_RETURN(domain::InstitutionState folded, snapshots_->Fold(request.urn(), view.filter));
    state = std::make_shared<const domain::InstitutionState>(std::move(folded));
  }
  if (state == nullptr || !state->registered()) {
    return absl::NotFoundError(absl::StrCat(
        "institution ", request.urn(), " is not registered",
        view.filter.empty() ? "" : " as of the requested date"));
  }
  // the quality-assurance meetings with this school's Lead Officer about any school.
  const std::string& lo = state->episode().lead_officer().lead_officer_id();
  projections::QualityAssuranceDays qa;
  if (!lo.empty() && view.filter.empty()) {
    qa = projections::CollectQualityAssurance(projection_->Select(
        [&](const domain::InstitutionState& s) {
          return s.episode().lead_officer().lead_officer_id() == lo;
        }));
  }
  *response = projections::BuildStatus(*state, view.day, *calendar_, rules_, &qa);
  // The HoSI's meetings with a Lead Officer are the LA's own, not the school's (as in
  // ListObligations).
  if (domain::RoleHasOwnSchoolOnly(call.caller().role)) {
    auto* obligations = response->mutable_obligations();
    obligations->erase(std::remove_if(obligations->begin(), obligations->end(),
                                      [](const v1::Obligation& o) {
                                        return o.type() ==
                                               v1::OBLIGATION_TYPE_QUALITY_ASSURANCE_MEETING;
                                      }),
                       obligations->end());
  }
  return absl::OkStatus();
}

absl::Status ProjectionServiceImpl::ListInstitutions(const UnaryCall& call,
                                                     const v1::ListInstitutionsRequest& request,
                                                     v1::ListInstitutionsResponse* response) {
  ASSIGN_OR_RETURN(size_t offset, Offset(request.page_token()));
  const uint32_t page_size = Clamp(request.page_size(), 50, 500);
  ASSIGN_OR_RETURN(View view, Resolve(request.options(), call));
  constexpr size_t kMaxQuery = 100;
  if (request.query().size() > kMaxQuery) {
    return domain::InvalidField("query", absl::StrCat("is ", request.query().size(),
                                                      " characters; search with at most ",
                                                      kMaxQuery));
  }
  // How many URNs a call may name is kQueryLimits' limit on any list (domain/fields.h).
  absl::flat_hash_set<absl::string_view> urns;
  for (int i = 0; i < request.urns_size(); ++i) {
    RETURN_IF_ERROR(CheckUrn(request.urns(i), absl::StrCat("urns[", i, "]")));
    urns.insert(request.urns(i));
  }
  const std::string query = absl::AsciiStrToLower(absl::StripAsciiWhitespace(request.query()));
  // In any case, without a lower-case copy of every name (the search runs over every state).
  auto contains = [&query](absl::string_view text) {
    return std::search(text.begin(), text.end(), query.begin(), query.end(), [](char a, char b) {
             return absl::ascii_tolower(static_cast<unsigned char>(a)) == b;
           }) != text.end();
  };
  auto found = [&](const domain::InstitutionState& s) {
    return query.empty() || contains(s.urn()) || contains(s.details().name());
  };
  // Cheap filters on the folded state first; obligations only where they are asked about.
  auto keep = [&](const domain::InstitutionState& s) {
    return s.registered() && (urns.empty() || urns.contains(s.urn())) &&
           domain::InReach(call.caller().role, call.caller().urns, s.urn()) &&
           (!request.has_causing_concern() ||
            domain::IsCausingConcern(s.state()) == request.causing_concern()) &&
           AnyOf(request.states(), s.state()) && AnyOf(request.kinds(), s.details().kind()) &&
           AnyOf(request.phases(), s.details().phase()) &&
           (request.lead_officer_id().empty() ||
            s.episode().lead_officer().lead_officer_id() == request.lead_officer_id()) &&
           found(s);
  };
  // Live reads select under the projection's lock, copying only what they keep; as-of reads
  // filter one fold.
  std::vector<StatePtr> folded;
  if (!view.filter.empty()) {
    ASSIGN_OR_RETURN(folded, Institutions(view));
  }
  auto select = [&](const std::function<bool(const domain::InstitutionState&)>& pred) {
    if (view.filter.empty()) return projection_->Select(pred);
    std::vector<StatePtr> kept;
    for (const StatePtr& s : folded) {
      if (pred(*s)) kept.push_back(s);
    }
    return kept;
  };
  std::vector<StatePtr> candidates = select(keep);
  const projections::QualityAssuranceDays qa =
      projections::CollectQualityAssurance(select(projections::HasQualityAssurance));
  std::vector<StatePtr> matching;
  for (StatePtr& s : candidates) {
    if (!request.overdue().empty()) {
      const auto obligations =
          projections::ComputeObligations(*s, view.day, *calendar_, rules_, &qa);
      if (std::none_of(obligations.begin(), obligations.end(), [&](const v1::Obligation& o) {
            return o.overdue() && AnyOf(request.overdue(), o.type());
          })) {
        continue;
      }
    }
    matching.push_back(std::move(s));
  }
  const std::string today = domain::FormatDate(view.day);
  auto days = [&](const StatePtr& s) {
    return domain::IsCausingConcern(s->state()) && !s->episode().designated_on().empty()
               ? s->episode().designated_on()
               : today;
  };
  switch (request.sort()) {
    case v1::INSTITUTION_SORT_NAME:
      std::stable_sort(matching.begin(), matching.end(), [](const StatePtr& a, const StatePtr& b) {
        return a->details().name() < b->details().name();
      });
      break;
    case v1::INSTITUTION_SORT_DAYS_IN_SCC:  // earliest designation = longest in SCC first
      std::stable_sort(matching.begin(), matching.end(),
                       [&](const StatePtr& a, const StatePtr& b) { return days(a) < days(b); });
      break;
    case v1::INSTITUTION_SORT_STATE:
      std::stable_sort(matching.begin(), matching.end(), [](const StatePtr& a, const StatePtr& b) {
        return a->state() < b->state();
      });
      break;
    default:
      break;  // by URN already
  }
  response->set_total(static_cast<uint32_t>(matching.size()));
  for (size_t i = offset; i < matching.size() && i < offset + page_size; ++i) {
    *response->add_institutions() =
        projections::BuildStatus(*matching[i], view.day, *calendar_, rules_, &qa);
  }
  if (offset + page_size < matching.size()) {
    response->set_next_page_token(absl::StrCat(offset + page_size));
  }
  return absl::OkStatus();
}

absl::Status ProjectionServiceImpl::ListObligations(const UnaryCall& call,
                                                    const v1::ListObligationsRequest& request,
                                                    v1::ListObligationsResponse* response) {
  if (!request.urn().empty()) RETURN_IF_ERROR(CheckUrn(request.urn()));
  std::optional<absl::CivilDay> due_before;
  if (!request.due_before().empty()) {
    due_before = domain::ParseDate(request.due_before());
    if (!due_before) {
      return domain::InvalidField("due_before", absl::StrCat(domain::Quoted(request.due_before()),
                                                             " is not a date (YYYY-MM-DD)"));
    }
  }
  ASSIGN_OR_RETURN(size_t offset, Offset(request.page_token()));
  const uint32_t page_size = Clamp(request.page_size(), 100, 1000);
  ASSIGN_OR_RETURN(View view, Resolve(request.options(), call));
  ASSIGN_OR_RETURN(std::vector<StatePtr> all, Institutions(view));
  const projections::QualityAssuranceDays qa = projections::CollectQualityAssurance(all);
  const std::string due_before_date = due_before ? domain::FormatDate(*due_before) : "";
  std::vector<v1::Obligation> found;
  // one quality-assurance meeting per Lead Officer, listed once with every school.
  absl::flat_hash_map<std::string, size_t> qa_listed;
  for (const StatePtr& s : all) {
    if (!request.urn().empty() && s->urn() != request.urn()) continue;
    if (!domain::InReach(call.caller().role, call.caller().urns, s->urn())) continue;
    for (v1::Obligation& o :
         projections::ComputeObligations(*s, view.day, *calendar_, rules_, &qa)) {
      if (request.overdue_only() && !o.overdue()) continue;
      if (due_before && o.due_on() > due_before_date) continue;
      if (!AnyOf(request.types(), o.type())) continue;
      if (!request.lead_officer_id().empty() && o.lead_officer_id() != request.lead_officer_id()) {
        continue;
      }
      if (o.type() == v1::OBLIGATION_TYPE_QUALITY_ASSURANCE_MEETING) {
        // The HoSI's meetings with a Lead Officer are about all their schools: the LA's own.
        if (domain::RoleHasOwnSchoolOnly(call.caller().role)) continue;
        auto [it, first] = qa_listed.try_emplace(
            absl::StrCat(o.lead_officer_id(), "|", o.period(), "|", o.due_on()), found.size());
        if (!first) {
          found[it->second].add_urns(o.urn());
          continue;
        }
        o.add_urns(o.urn());
      }
      found.push_back(std::move(o));
    }
  }
  // By due date, then URN, then as found. A whole country's obligations are many: only those up
  // to the end of the page are put in order, by reference rather than moving the messages.
  std::vector<const v1::Obligation*> ordered;
  ordered.reserve(found.size());
  for (const v1::Obligation& o : found) ordered.push_back(&o);
  const auto page_end = ordered.begin() + static_cast<std::ptrdiff_t>(
                                              std::min(ordered.size(), offset + page_size));
  std::partial_sort(ordered.begin(), page_end, ordered.end(),
                    [](const v1::Obligation* a, const v1::Obligation* b) {
                      return std::tie(a->due_on(), a->urn(), a) < std::tie(b->due_on(), b->urn(), b);
                    });
  response->set_total(static_cast<uint32_t>(ordered.size()));
  for (size_t i = offset; i < ordered.size() && i < offset + page_size; ++i) {
    *response->add_obligations() = *ordered[i];
  }
  if (offset + page_size < found.size()) {
    response->set_next_page_token(absl::StrCat(offset + page_size));
  }
  return absl::OkStatus();
}

absl::Status ProjectionServiceImpl::SearchAudit(const UnaryCall& call,
                                                const v1::SearchAuditRequest& request,
                                                v1::SearchAuditResponse* response) {
  domain::Violations bad;
  if (!request.urn().empty() && !domain::IsValidUrn(request.urn())) {
    bad.Add("urn", "is not a URN");
  }
  for (const auto& [field, value] : {std::pair<const char*, const std::string*>{
                                         "from_date", &request.from_date()},
                                     {"to_date", &request.to_date()}}) {
    if (!value->empty() && !domain::ParseDate(*value)) bad.Add(field, "is not a date (YYYY-MM-DD)");
  }
  if (!v1::Role_IsValid(request.role())) bad.Add("role", "unknown role");
  RETURN_IF_ERROR(bad.Status());
  ASSIGN_OR_RETURN(size_t position, Offset(request.page_token()));
  const uint32_t page_size = Clamp(request.page_size(), 100, 1000);
  const absl::flat_hash_set<std::string> types(request.event_types().begin(),
                                               request.event_types().end());
  // Each call scans a bounded slice of the log; the token says where to go on.
  constexpr uint64_t kScanPerCall = 50000;
  const uint64_t end = std::min<uint64_t>(log_->NextPosition(), position + kScanPerCall);
  while (position < end && response->events_size() < static_cast<int>(page_size)) {
    ASSIGN_OR_RETURN(storage::AllPage page,
                     log_->ReadAll(position, std::min<uint64_t>(1000, end - position)));
    if (page.events.empty()) break;
    for (const storage::RecordedEvent& recorded : page.events) {
      position = recorded.position + 1;
      if (!request.urn().empty() && codec::UrnOfStream(recorded.stream) != request.urn()) continue;
      if (!types.empty() && !types.contains(recorded.type)) continue;
      ASSIGN_OR_RETURN(domain::StoredEvent event, codec::Decode(recorded));
      const v1::EventMetadata& m = event.metadata;
      if (!request.actor().empty() && m.actor() != request.actor()) continue;
      if (request.role() != v1::ROLE_UNSPECIFIED && m.role() != request.role()) continue;
      if (!request.from_date().empty() && m.effective_date() < request.from_date()) continue;
      if (!request.to_date().empty() && m.effective_date() > request.to_date()) continue;
      *response->add_events() = codec::ToApiEvent(recorded, event, LogWideReader(call.caller()));
      if (response->events_size() >= static_cast<int>(page_size)) break;
    }
  }
  if (position < log_->NextPosition()) response->set_next_page_token(absl::StrCat(position));
  return absl::OkStatus();
}

absl::Status ProjectionServiceImpl::RebuildProjections(
    const UnaryCall& call, const v1::RebuildProjectionsRequest& request,
    v1::ProjectionStatus* response) {
  projection_->RequestRebuild();
  return GetProjectionStatus(call, request, response);
}

absl::Status ProjectionServiceImpl::GetProjectionStatus(
    const UnaryCall& /*call*/, const v1::RebuildProjectionsRequest& /*request*/,
    v1::ProjectionStatus* response) {
  *response = projection_->Status();
  const projections::TermSnapshots::Stats snapshots = snapshots_->stats();
  for (const std::string& boundary : snapshots.held) response->add_snapshot_boundaries(boundary);
  for (const std::string& day : snapshots.dates) response->add_snapshot_dates(day);
  response->set_snapshot_building(snapshots.building);
  response->set_snapshot_reads(snapshots.reads_from_snapshot);
  response->set_full_fold_reads(snapshots.reads_folded_in_full);
  return absl::OkStatus();
}

}  // namespace scc::server
