// Roles as bits of a set, for the tables that say who may do what (the command table in
// command_table.cc, the read RPCs in authorization.cc). Constants only.
#ifndef SCC_SERVICES_DOMAIN_ROLE_BITS_H_
#define SCC_SERVICES_DOMAIN_ROLE_BITS_H_

#include "scc/v1/common.pb.h"

namespace scc::domain::role_bits {

constexpr unsigned Bit(v1::Role r) { return 1u << static_cast<unsigned>(r); }
constexpr unsigned kHosi = Bit(v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT);
constexpr unsigned kLo = Bit(v1::ROLE_LEAD_OFFICER);
constexpr unsigned kSrg = Bit(v1::ROLE_SRG_MEMBER);
constexpr unsigned kEy = Bit(v1::ROLE_EARLY_YEARS_STANDARDS_TEAM);
constexpr unsigned kAuditor = Bit(v1::ROLE_AUDITOR);
constexpr unsigned kReader = Bit(v1::ROLE_REPORT_READER);
constexpr unsigned kService = Bit(v1::ROLE_SERVICE_ACCOUNT);
constexpr unsigned kHead = Bit(v1::ROLE_HEADTEACHER);
constexpr unsigned kChair = Bit(v1::ROLE_CHAIR_OF_GOVERNORS);
// The local authority's side: its officers, auditors, report readers and systems.
constexpr unsigned kEveryone = kHosi | kLo | kSrg | kEy | kAuditor | kReader | kService;
// The school's side, each reaching their own school only (Reach::kOwnSchool).
constexpr unsigned kSchoolUsers = kHead | kChair;

}  // namespace scc::domain::role_bits

#endif  // SCC_SERVICES_DOMAIN_ROLE_BITS_H_
