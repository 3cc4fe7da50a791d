#include <gtest/gtest.h>

#include <string>

#include "core/config.hpp"
#include "core/error.hpp"

using rapidnn::ConfigDocument;
using rapidnn::ConfigError;

namespace {
std::string error_of(const std::string& text, auto&& body) {
  try {
    auto doc = ConfigDocument::parse(text, "exp.toml");
    auto root = doc.root();
    body(root);
    doc.check_unknown_keys();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(Config, ReadsTypedValuesAndRecordsDefaults) {
  auto doc = ConfigDocument::parse("seed = 7\n[train]\nlr = 0.5\nlayers = [784, 512]\n", "a.toml");
  auto root = doc.root();
  EXPECT_EQ(root.get_int("seed", 1, 0, 100), 7);
  auto train = root.child("train");
  EXPECT_DOUBLE_EQ(train.get_double("lr", 0.1, 0.0, 10.0), 0.5);
  EXPECT_EQ(train.get_int("epochs", 3, 1, 100), 3);
  EXPECT_EQ(train.get_int_list("layers", {}, 1, 100000), (std::vector<std::int64_t>{784, 512}));
  EXPECT_EQ(train.get_choice("optimizer", "sgd", {"sgd", "adam"}), "sgd");
  doc.check_unknown_keys();
  const std::string eff = doc.effective_text();
  EXPECT_NE(eff.find("epochs = 3"), std::string::npos) << eff;
  EXPECT_NE(eff.find("optimizer = 'sgd'"), std::string::npos) << eff;
  // The effective config parses back to the same values.
  auto again = ConfigDocument::parse(eff, "effective");
  auto r2 = again.root();
  EXPECT_EQ(r2.child("train").get_int("epochs", 0, 0, 100), 3);
}

TEST(Config, UnknownKeyListsAllowedKeysWithPosition) {
  const auto msg = error_of("[train]\nlr = 0.1\nepochz = 3\n", [](auto& root) {
    auto t = root.child("train");
    t.get_double("lr", 0.1, 0, 1);
    t.get_int("epochs", 1, 1, 10);
  });
  EXPECT_EQ(msg, "exp.toml:3:10: unknown key 'train.epochz'; allowed keys in [train]: epochs, lr");
}

TEST(Config, UnknownTopLevelTable) {
  const auto msg = error_of("seed = 1\n[trian]\nlr = 1\n", [](auto& root) { root.get_int("seed", 1, 0, 9); });
  EXPECT_NE(msg.find("unknown key 'trian'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("allowed keys: seed"), std::string::npos) << msg;
}

TEST(Config, WrongTypeNamesKeyPathAndLine) {
  const auto msg = error_of("[train]\n\nepochs = \"ten\"\n", [](auto& root) {
    root.child("train").get_int("epochs", 1, 1, 100);
  });
  EXPECT_EQ(msg, "exp.toml:3:10: key 'train.epochs': expected an integer in [1, 100], got a string");
}

TEST(Config, OutOfRange) {
  const auto msg = error_of("w = 0\n", [](auto& root) { root.get_int("w", 16, 1, 4096); });
  EXPECT_EQ(msg, "exp.toml:1:5: key 'w': expected an integer in [1, 4096], got 0");
}

TEST(Config, BadChoiceListsAllowed) {
  const auto msg = error_of("codebook = \"trie\"\n", [](auto& root) {
    root.get_choice("codebook", "tree", {"tree", "flat"});
  });
  EXPECT_EQ(msg, "exp.toml:1:12: key 'codebook': expected one of \"tree\", \"flat\", got \"trie\"");
}

TEST(Config, MissingRequired) {
  const auto msg = error_of("x = 1\n", [](auto& root) { root.require_string("experiment"); });
  EXPECT_EQ(msg, "exp.toml: key 'experiment': required string is missing");
}

TEST(Config, ListElementErrors) {
  const auto msg = error_of("w = [4, 16, -1]\n", [](auto& root) { root.get_int_list("w", {}, 1, 4096); });
  EXPECT_EQ(msg, "exp.toml:1:5: key 'w': element 2 must be in [1, 4096], got -1");
}

TEST(Config, InvalidTomlNamesLine) {
  const auto msg = error_of("a = 1\nb = = 2\n", [](auto&) {});
  EXPECT_EQ(msg.rfind("exp.toml:2:", 0), 0u) << msg;
  EXPECT_NE(msg.find("invalid TOML"), std::string::npos) << msg;
}

TEST(Config, ArrayOfTablesCheckedPerElement) {
  const auto msg = error_of("[[runs]]\ndataset = \"a\"\n[[runs]]\ndataset = \"b\"\ntopo = 1\n", [](auto& root) {
    for (auto& r : root.table_array("runs")) r.get_string("dataset", "");
  });
  EXPECT_EQ(msg, "exp.toml:5:8: unknown key 'runs[1].topo'; allowed keys in [runs[1]]: dataset");
}

TEST(Config, MissingFileIsNamed) {
  try {
    ConfigDocument::load("/nonexistent/dir/x.toml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/dir/x.toml: cannot open configuration file");
  }
}
