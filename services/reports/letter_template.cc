#include "services/reports/letter_template.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "storage/status_macros.h"

namespace scc::reports {

const std::string& TemplateValue::text() const {
  static const std::string* const kEmpty = new std::string();
  const std::string* text = std::get_if<std::string>(&value_);
  return text == nullptr ? *kEmpty : *text;
}

const std::vector<TemplateRecord>& TemplateValue::list() const {
  static const std::vector<TemplateRecord>* const kEmpty = new std::vector<TemplateRecord>();
  const std::vector<TemplateRecord>* list = std::get_if<std::vector<TemplateRecord>>(&value_);
  return list == nullptr ? *kEmpty : *list;
}

namespace {

constexpr size_t kMaxDepth = 16;
constexpr size_t kMaxQuotedTag = 40;  // of a bad tag, in an error message

absl::Status LineError(int64_t line, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", what));
}

bool IsNameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

int64_t CountLines(std::string_view s) { return std::count(s.begin(), s.end(), '\n'); }

// A parsed template: text, {{name}}, and sections holding their insides.
struct Node {
  enum class Kind { kText, kVariable, kSection, kInverted };
  Kind kind = Kind::kText;
  std::string text;  // the text, or the name
  int64_t line = 0;  // of the tag
  std::vector<Node> children;
};

struct Tag {
  char sigil = 0;  // '#', '^', '/', or 0 for {{name}}
  std::string name;
};

absl::StatusOr<Tag> ParseTag(int64_t line, std::string_view inside) {
  Tag tag;
  std::string_view rest = Trim(inside);
  if (!rest.empty() && (rest.front() == '#' || rest.front() == '^' || rest.front() == '/')) {
    tag.sigil = rest.front();
    rest = Trim(rest.substr(1));
  }
  if (rest.empty() || !std::all_of(rest.begin(), rest.end(), IsNameChar)) {
    std::string_view shown = inside.substr(0, kMaxQuotedTag);
    return LineError(
        line,
        absl::StrCat("bad tag {{", absl::CHexEscape(absl::string_view(shown.data(), shown.size())),
                     shown.size() < inside.size() ? "..." : "",
                     "}}: expected {{name}}, {{#name}}, {{^name}} or {{/name}} with a "
                     "name of a-z, 0-9 and _"));
  }
  tag.name = std::string(rest);
  return tag;
}

std::string Opening(const Node& section) {
  return absl::StrCat("{{", section.kind == Node::Kind::kInverted ? "^" : "#", section.text, "}}");
}

void AppendText(std::string_view text, std::vector<Node>* nodes) {
  if (text.empty()) return;
  if (!nodes->empty() && nodes->back().kind == Node::Kind::kText) {
    nodes->back().text.append(text);
    return;
  }
  Node node;
  node.text = std::string(text);
  nodes->push_back(std::move(node));
}

absl::StatusOr<std::vector<Node>> Parse(std::string_view text) {
  std::vector<Node> root;
  std::vector<Node*> open;  // the sections not yet closed, innermost last
  auto children = [&]() -> std::vector<Node>* {
    return open.empty() ? &root : &open.back()->children;
  };
  int64_t line = 1;  // at `pos`
  size_t pos = 0;    // the start of what is not yet parsed
  while (pos < text.size()) {
    const size_t start = text.find("{{", pos);
    if (start == std::string_view::npos) {
      AppendText(text.substr(pos), children());
      break;
    }
    const int64_t tag_line = line + CountLines(text.substr(pos, start - pos));
    const size_t close = text.find("}}", start + 2);
    if (close == std::string_view::npos) return LineError(tag_line, "'{{' without '}}'");
    ASSIGN_OR_RETURN(Tag tag, ParseTag(tag_line, text.substr(start + 2, close - start - 2)));
    size_t text_end = start;
    size_t after = close + 2;
    if (tag.sigil != 0) {
      // A standalone section tag takes its line with it.
      size_t left = start;
      while (left > 0 && (text[left - 1] == ' ' || text[left - 1] == '\t')) --left;
      size_t right = after;
      while (right < text.size() && (text[right] == ' ' || text[right] == '\t')) ++right;
      const bool alone_left = left == 0 || text[left - 1] == '\n';
      const bool crlf = right + 1 < text.size() && text[right] == '\r' && text[right + 1] == '\n';
      const bool alone_right = right == text.size() || text[right] == '\n' || crlf;
      if (alone_left && alone_right) {
        text_end = std::max(left, pos);
        after = right == text.size() ? right : right + (crlf ? 2 : 1);
      }
    }
    AppendText(text.substr(pos, text_end - pos), children());
    line += CountLines(text.substr(pos, after - pos));
    pos = after;

    if (tag.sigil == 0) {
      Node node;
      node.kind = Node::Kind::kVariable;
      node.text = std::move(tag.name);
      node.line = tag_line;
      children()->push_back(std::move(node));
    } else if (tag.sigil == '/') {
      if (open.empty()) {
        return LineError(tag_line, absl::StrCat("{{/", tag.name, "}} closes no section"));
      }
      if (open.back()->text != tag.name) {
        return LineError(tag_line,
                         absl::StrCat("{{/", tag.name, "}} closes ", Opening(*open.back()),
                                      " from line ", open.back()->line));
      }
      open.pop_back();
    } else {
      if (open.size() >= kMaxDepth) {
        return LineError(tag_line, absl::StrCat("sections nested deeper than ", kMaxDepth));
      }
      Node node;
      node.kind = tag.sigil == '#' ? Node::Kind::kSection : Node::Kind::kInverted;
      node.text = std::move(tag.name);
      node.line = tag_line;
      std::vector<Node>* siblings = children();
      siblings->push_back(std::move(node));
      open.push_back(&siblings->back());
    }
  }
  if (!open.empty()) {
    return LineError(open.back()->line, absl::StrCat(Opening(*open.back()), " is not closed"));
  }
  return root;
}

void AppendEscaped(const std::string& text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '&':
        out->append("&amp;");
        break;
      case '<':
        out->append("&lt;");
        break;
      case '>':
        out->append("&gt;");
        break;
      case '"':
        out->append("&quot;");
        break;
      case '\'':
        out->append("&#39;");
        break;
      default:
        out->push_back(c);
    }
  }
}

class Renderer {
 public:
  explicit Renderer(const TemplateRecord& values) : scopes_{&values} {}

  // Recursion is bounded by the parser's nesting limit.
  absl::Status Render(const std::vector<Node>& nodes, std::string* out) {
    for (const Node& node : nodes) {
      switch (node.kind) {
        case Node::Kind::kText:
          out->append(node.text);
          break;
        case Node::Kind::kVariable: {
          const TemplateValue* value = Find(node.text);
          if (value == nullptr) {
            return LineError(node.line, absl::StrCat("unknown variable '", node.text, "'"));
          }
          if (value->is_list()) {
            return LineError(node.line, absl::StrCat("'", node.text, "' is a list: use {{#",
                                                     node.text, "}}...{{/", node.text, "}}"));
          }
          AppendEscaped(value->text(), out);
          break;
        }
        case Node::Kind::kSection: {
          const TemplateValue* value = Find(node.text);
          if (value == nullptr || value->empty()) break;
          if (!value->is_list()) {
            RETURN_IF_ERROR(Render(node.children, out));
            break;
          }
          for (const TemplateRecord& record : value->list()) {
            scopes_.push_back(&record);
            absl::Status status = Render(node.children, out);
            scopes_.pop_back();
            RETURN_IF_ERROR(status);
          }
          break;
        }
        case Node::Kind::kInverted: {
          const TemplateValue* value = Find(node.text);
          if (value == nullptr || value->empty()) RETURN_IF_ERROR(Render(node.children, out));
          break;
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  // The innermost definition of `name`, or null.
  const TemplateValue* Find(const std::string& name) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      auto found = (*it)->find(name);
      if (found != (*it)->end()) return &found->second;
    }
    return nullptr;
  }

  std::vector<const TemplateRecord*> scopes_;  // outermost first
};

}  // namespace

absl::Status CheckTemplate(std::string_view text) { return Parse(text).status(); }

absl::StatusOr<std::string> RenderTemplate(std::string_view text, const TemplateRecord& values) {
  ASSIGN_OR_RETURN(std::vector<Node> nodes, Parse(text));
  std::string out;
  RETURN_IF_ERROR(Renderer(values).Render(nodes, &out));
  return out;
}

}  // namespace scc::reports
