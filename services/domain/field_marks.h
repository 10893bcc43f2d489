// FieldMarks: which fields of the events an option of the contract marks (options.proto:
// confidential, personal), read once from the descriptors. For every message type reachable
// from the root: its marked fields with the mark, and the message fields under which marked
// fields lie (so a walk descends only where there is something to find). Immutable after
// construction; thread-safe.
#ifndef SCC_SERVICES_DOMAIN_FIELD_MARKS_H_
#define SCC_SERVICES_DOMAIN_FIELD_MARKS_H_

#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace scc::domain {

class FieldMarks {
 public:
  // The mark of a field, 0 for none.
  using MarkOf = int (*)(const google::protobuf::FieldDescriptor* field);

  struct Fields {
    std::vector<std::pair<const google::protobuf::FieldDescriptor*, int>> marked;
    std::vector<const google::protobuf::FieldDescriptor*> descend;
  };

  FieldMarks(const google::protobuf::Descriptor* root, MarkOf mark_of);

  // Null when nothing under `type` is marked.
  const Fields* Of(const google::protobuf::Descriptor* type) const;

 private:
  bool Visit(const google::protobuf::Descriptor* type);

  const MarkOf mark_of_;
  const google::protobuf::Descriptor* const root_;
  absl::flat_hash_map<const google::protobuf::Descriptor*, bool> visiting_;
  absl::flat_hash_map<const google::protobuf::Descriptor*, std::unique_ptr<Fields>> by_type_;
};

// Whether `field` of `message` holds anything (a repeated field: any element).
bool IsSet(const google::protobuf::Message& message,
           const google::protobuf::FieldDescriptor* field);

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_FIELD_MARKS_H_
