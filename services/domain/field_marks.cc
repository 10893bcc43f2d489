#include "services/domain/field_marks.h"

namespace scc::domain {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

FieldMarks::FieldMarks(const Descriptor* root, MarkOf mark_of) : mark_of_(mark_of), root_(root) {
  Visit(root);
}

const FieldMarks::Fields* FieldMarks::Of(const Descriptor* type) const {
  auto it = by_type_.find(type);
  return it == by_type_.end() ? nullptr : it->second.get();
}

bool FieldMarks::Visit(const Descriptor* type) {
  if (auto it = visiting_.find(type); it != visiting_.end()) return it->second;
  visiting_[type] = type == root_;  // a cycle back to the root leads to marks
  auto fields = std::make_unique<Fields>();
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (const int mark = mark_of_(field); mark != 0) {
      fields->marked.emplace_back(field, mark);
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
               Visit(field->message_type())) {
      fields->descend.push_back(field);
    }
  }
  const bool any = !fields->marked.empty() || !fields->descend.empty();
  visiting_[type] = any;
  if (any) by_type_[type] = std::move(fields);
  return any;
}

bool IsSet(const google::protobuf::Message& message, const FieldDescriptor* field) {
  const google::protobuf::Reflection& reflection = *message.GetReflection();
  return field->is_repeated() ? reflection.FieldSize(message, field) > 0
                              : reflection.HasField(message, field);
}

}  // namespace scc::domain
