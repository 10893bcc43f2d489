// docs/workflow-commands.md is the command table rendered from the code: the flowchart steps,
// the rule each cites and the authorization matrix. This keeps the document true.
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "services/domain/decide.h"

namespace scc::domain {
namespace {

TEST(CommandTableTest, DocumentMatchesTheCode) {
  std::ifstream in(COMMAND_TABLE_DOC);
  ASSERT_TRUE(in) << "cannot read " << COMMAND_TABLE_DOC;
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const std::string table = CommandTableMarkdown();
  EXPECT_NE(doc.find(table), std::string::npos)
      << "docs/workflow-commands.md is out of date; replace its table with:\n"
      << table;
}

}  // namespace
}  // namespace scc::domain
