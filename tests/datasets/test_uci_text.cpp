#include <gtest/gtest.h>

#include "core/error.hpp"
#include "io/datasets/uci_text.hpp"
#include "temp_dir.hpp"

namespace rapidnn::datasets {
namespace {
using namespace testing;

// An ISOLET-style line: `d` comma-separated features k * 0.01 + i, then the label as "L." the
// way the UCI files write it.
std::string isolet_line(int d, int i, int label) {
  std::string s;
  for (int k = 0; k < d; ++k) s += fmt::format("{}, ", k * 0.01 + i);
  return s + fmt::format("{}.\n", label);
}

TEST(UciText, ReadsIsoletStyleCommaSeparatedWithLabelColumn) {
  TempDir dir;
  write_text(dir / "isolet5.data", isolet_line(617, 0, 1) + isolet_line(617, 1, 26) + "\n" +
                                       isolet_line(617, 2, 3));
  const Dataset ds = load_isolet(dir / "isolet5.data");
  check_consistent(ds);
  EXPECT_EQ(ds.n, 3);
  EXPECT_EQ(ds.d, 617);
  EXPECT_EQ(ds.classes, 26);
  EXPECT_EQ(ds.shape, (SampleShape{1, 1, 617}));
  EXPECT_EQ(ds.labels, (std::vector<std::int32_t>{0, 25, 2}));  // 1-based letters -> 0-based
  EXPECT_FLOAT_EQ(ds.row(2)[616], 2.0f + 6.16f);
  EXPECT_EQ(load_isolet(dir / "isolet5.data", 2).n, 2);
}

TEST(UciText, ReadsHarStyleWhitespaceFilesWithSeparateLabels) {
  TempDir dir;
  std::filesystem::create_directories(dir / "train");
  std::string x;
  for (int i = 0; i < 4; ++i) {
    for (int k = 0; k < 561; ++k) x += fmt::format("  {:.7e}", (k - 280) * 1e-3 * (i + 1));
    x += "\n";
  }
  write_gz_text(dir / "train" / "X_train.txt", x);  // a gzipped file under the plain name reads too
  write_text(dir / "train" / "y_train.txt", "5\n5\n6\n1\n");
  const Dataset ds = load_uci_har(dir.path(), "train");
  check_consistent(ds);
  EXPECT_EQ(ds.n, 4);
  EXPECT_EQ(ds.d, 561);
  EXPECT_EQ(ds.classes, 6);
  EXPECT_EQ(ds.labels, (std::vector<std::int32_t>{4, 4, 5, 0}));
  EXPECT_FLOAT_EQ(ds.row(3)[0], -280e-3f * 4);
  EXPECT_EQ(ds.name, "har/train");
}

TEST(UciText, InfersFeaturesAndClassesWhenNotGiven) {
  TempDir dir;
  write_text(dir / "t.csv", "1.5,2,0\n-3,4e2,2\n");
  UciTextOptions opt;
  opt.features_path = dir / "t.csv";
  opt.label_base = 0;
  const Dataset ds = load_uci_text(opt);
  EXPECT_EQ(ds.d, 2);
  EXPECT_EQ(ds.classes, 3);  // largest label 2, 0-based
  EXPECT_EQ(ds.features, (std::vector<float>{1.5f, 2.0f, -3.0f, 400.0f}));
  // Label in the first column instead of the last.
  write_text(dir / "first.csv", "1,2.5,7\n0,3,8\n");
  opt.features_path = dir / "first.csv";
  opt.label_column = 0;
  const Dataset first = load_uci_text(opt);
  EXPECT_EQ(first.labels, (std::vector<std::int32_t>{1, 0}));
  EXPECT_EQ(first.features, (std::vector<float>{2.5f, 7.0f, 3.0f, 8.0f}));
  EXPECT_EQ(first.classes, 2);
}

TEST(UciText, WrongFeatureCountNamesLine) {
  TempDir dir;
  // Line 12 of the file (after 10 good lines and a blank one) lacks one feature.
  std::string text;
  for (int i = 0; i < 10; ++i) text += isolet_line(617, i, 1);
  text += "\n";
  text += isolet_line(616, 10, 2);
  write_text(dir / "isolet1+2+3+4.data", text);
  EXPECT_EQ(error_of<IoError>([&] { load_isolet(dir / "isolet1+2+3+4.data"); }),
            (dir / "isolet1+2+3+4.data").string() + ": line 12: expected 617 features, got 616");
}

TEST(UciText, BadNumberAndBadLabels) {
  TempDir dir;
  write_text(dir / "a.csv", "1,2,1\n1,abc,2\n");
  UciTextOptions opt;
  opt.features_path = dir / "a.csv";
  EXPECT_EQ(error_of<IoError>([&] { load_uci_text(opt); }),
            (dir / "a.csv").string() + ": line 2: field 2 'abc' is not a number");
  write_text(dir / "b.csv", "1,2,1\n1,2,2.5\n");
  opt.features_path = dir / "b.csv";
  EXPECT_EQ(error_of<IoError>([&] { load_uci_text(opt); }),
            (dir / "b.csv").string() + ": line 2: label 2.5 is not an integer");
  write_text(dir / "c.csv", "1,2,1\n1,2,27.\n");
  opt.features_path = dir / "c.csv";
  opt.classes = 26;
  EXPECT_EQ(error_of<IoError>([&] { load_uci_text(opt); }),
            (dir / "c.csv").string() + ": line 2: label 27 out of range [1, 26]");
  write_text(dir / "d.csv", "1,,1\n");
  opt.features_path = dir / "d.csv";
  EXPECT_EQ(error_of<IoError>([&] { load_uci_text(opt); }),
            (dir / "d.csv").string() + ": line 1: field 2 '' is not a number");
}

TEST(UciText, HarLabelFileErrors) {
  TempDir dir;
  std::filesystem::create_directories(dir / "test");
  std::string row;
  for (int k = 0; k < 561; ++k) row += " 0.5";
  write_text(dir / "test" / "X_test.txt", row + "\n" + row + "\n" + row + "\n");
  write_text(dir / "test" / "y_test.txt", "1\n7\n2\n");
  EXPECT_EQ(error_of<IoError>([&] { load_uci_har(dir.path(), "test"); }),
            (dir / "test" / "y_test.txt").string() + ": line 2: label 7 out of range [1, 6]");
  write_text(dir / "test" / "y_test.txt", "1\n2\n");
  EXPECT_EQ(error_of<IoError>([&] { load_uci_har(dir.path(), "test"); }),
            "inconsistent UCI files: " + (dir / "test" / "X_test.txt").string() + " holds 3 samples but " +
                (dir / "test" / "y_test.txt").string() + " holds 2 labels");
  std::filesystem::remove(dir / "test" / "y_test.txt");
  EXPECT_EQ(error_of<IoError>([&] { load_uci_har(dir.path(), "test"); }),
            (dir / "test" / "y_test.txt").string() + ": cannot open: No such file or directory");
}

}  // namespace
}  // namespace rapidnn::datasets
