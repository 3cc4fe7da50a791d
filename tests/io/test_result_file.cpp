#include <gtest/gtest.h>

#include <fstream>

#include "core/error.hpp"
#include "io/result_file.hpp"
#include "io/result_reader.hpp"
#include "temp_dir.hpp"

using rapidnn::io::ResultFile;
using rapidnn::io::ResultReader;
using rapidnn::io::RunInfo;

namespace {
RunInfo info() { return {"unit", "seed = 3\n", "x.toml", 3}; }
}  // namespace

TEST(ResultFile, RoundTripDatasetsAndAttributes) {
  rapidnn::testing::TempDir dir;
  const auto path = dir / "out.h5";
  rapidnn::par::Communicator single;
  {
    auto rf = ResultFile::create(single, path, false, info());
    EXPECT_TRUE(std::filesystem::exists(rf.partial_path()));
    EXPECT_FALSE(std::filesystem::exists(path));
    std::vector<float> m = {1, 2, 3, 4, 5, 6};
    rf.write("/a/b/matrix", m, {2, 3});
    rf.write("/a/ints", std::vector<std::int64_t>{7, -8});
    rf.write("/a/empty", std::vector<double>{});
    rf.set_attr("/a", "units", "J");
    rf.set_attr("/a/b/matrix", "scale", 0.5);
    rf.set_attr("/a", "count", 42);
    rf.set_attr("/a", "names", std::vector<std::string>{"x", "yz"});
    rf.commit();
  }
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(dir / "out.h5.partial"));
  ResultReader r(path);
  EXPECT_EQ(r.dims("/a/b/matrix"), (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(r.read<float>("/a/b/matrix"), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(r.read<double>("/a/ints"), (std::vector<double>{7, -8}));  // converted by HDF5
  EXPECT_TRUE(r.read<double>("/a/empty").empty());
  EXPECT_EQ(r.attr_string("/a", "units"), "J");
  EXPECT_DOUBLE_EQ(r.attr_double("/a/b/matrix", "scale"), 0.5);
  EXPECT_EQ(r.attr_int("/a", "count"), 42);
  EXPECT_EQ(r.list("/a"), (std::vector<std::string>{"b", "empty", "ints"}));
  EXPECT_EQ(r.attr_string("/rapidnn", "experiment"), "unit");
  EXPECT_EQ(r.attr_string("/rapidnn", "config"), "seed = 3\n");
  EXPECT_EQ(r.attr_int("/rapidnn", "ranks"), 1);
  EXPECT_EQ(r.attr_int("/rapidnn", "seed"), 3);
  EXPECT_EQ(r.attr_int("/rapidnn", "schema_version"), 1);
  EXPECT_TRUE(r.has_attr("/rapidnn", "end_utc"));
  EXPECT_TRUE(r.has_attr("/rapidnn", "git_commit"));
}

TEST(ResultFile, ExistingResultIsNotOverwrittenWithoutFlag) {
  rapidnn::testing::TempDir dir;
  const auto path = dir / "out.h5";
  std::ofstream(path) << "previous result";
  rapidnn::par::Communicator single;
  try {
    auto rf = ResultFile::create(single, path, false, info());
    FAIL() << "expected an error";
  } catch (const rapidnn::IoError& e) {
    EXPECT_EQ(std::string(e.what()), path.string() + ": result file exists; pass --overwrite to replace it");
  }
  std::ifstream in(path);
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "previous result");
  auto rf = ResultFile::create(single, path, true, info());
  rf.commit();
  EXPECT_EQ(ResultReader(path).attr_string("/rapidnn", "experiment"), "unit");
}

TEST(ResultFile, UncommittedFileLeavesNothingBehind) {
  rapidnn::testing::TempDir dir;
  const auto path = dir / "out.h5";
  rapidnn::par::Communicator single;
  {
    auto rf = ResultFile::create(single, path, false, info());
    rf.write("/x", std::vector<double>{1.0});
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(dir / "out.h5.partial"));
}

TEST(ResultFile, RowsOutsideExtentAreRejected) {
  rapidnn::testing::TempDir dir;
  rapidnn::par::Communicator single;
  auto rf = ResultFile::create(single, dir / "o.h5", false, info());
  std::vector<double> rows(6, 1.0);
  EXPECT_THROW(rf.write_rows<double>("/r", rows, {2, 3}, 1), rapidnn::InvalidArgument);
}

TEST(ResultReader, MissingAndNonHdf5FilesAreNamed) {
  rapidnn::testing::TempDir dir;
  try {
    ResultReader r(dir / "nope.h5");
    FAIL();
  } catch (const rapidnn::IoError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "nope.h5").string() + ": cannot open: no such file");
  }
  std::ofstream(dir / "text.h5") << "hello";
  try {
    ResultReader r(dir / "text.h5");
    FAIL();
  } catch (const rapidnn::IoError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "text.h5").string() + ": not an HDF5 file");
  }
}
