// Parallel result store under mpiexec (2 and 4 ranks): collective creation, per-rank hyperslabs,
// rank-count-independent content, and coordinated errors that end every rank without a hang.
#include <gtest/gtest.h>

#include <numeric>

#include "core/error.hpp"
#include "io/result_file.hpp"
#include "io/result_reader.hpp"
#include "par/coordinated.hpp"
#include "par/partition.hpp"

using namespace rapidnn;

namespace {
std::filesystem::path shared_path(const par::Communicator& comm, const std::string& name) {
  std::string dir;
  if (comm.is_root()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rapidnn-mpi-XXXXXX").string();
    dir = mkdtemp(tmpl.data());
  }
  comm.bcast(dir);
  return std::filesystem::path(dir) / name;
}
}  // namespace

TEST(ResultFileMpi, EachRankWritesItsRows) {
  auto comm = par::Communicator::world();
  const auto path = shared_path(comm, "rows.h5");
  const std::uint64_t rows = 10, cols = 3;
  const auto range = par::block_range(rows, comm.size(), comm.rank());
  std::vector<std::int64_t> local;
  for (auto r = range.begin; r < range.end; ++r)
    for (std::uint64_t c = 0; c < cols; ++c) local.push_back(static_cast<std::int64_t>(r * 100 + c));
  {
    auto rf = io::ResultFile::create(comm, path, false, {"mpi", "", "", 1});
    rf.write_rows<std::int64_t>("/grid/values", local, {rows, cols}, range.begin);
    rf.write("/grid/replicated", std::vector<double>{1.5, 2.5});
    rf.set_attr("/grid", "rank_count", comm.size());
    rf.commit();
  }
  comm.barrier();
  io::ResultReader r(path);  // every rank reads the finished file
  const auto all = r.read<std::int64_t>("/grid/values");
  ASSERT_EQ(all.size(), rows * cols);
  for (std::uint64_t i = 0; i < rows; ++i)
    for (std::uint64_t c = 0; c < cols; ++c) EXPECT_EQ(all[i * cols + c], static_cast<std::int64_t>(i * 100 + c));
  EXPECT_EQ(r.read<double>("/grid/replicated"), (std::vector<double>{1.5, 2.5}));
  EXPECT_EQ(r.attr_int("/rapidnn", "ranks"), comm.size());
  EXPECT_EQ(r.attr_int("/grid", "rank_count"), comm.size());
}

TEST(ResultFileMpi, ExistingFileErrorReachesEveryRankOnce) {
  auto comm = par::Communicator::world();
  const auto path = shared_path(comm, "exists.h5");
  {
    auto rf = io::ResultFile::create(comm, path, false, {"mpi", "", "", 1});
    rf.commit();
  }
  // Rank 0 checks the name and holds the message (agreed: the job prints it once); every other
  // rank stops with a ConsistencyError and stays quiet.
  try {
    (void)io::ResultFile::create(comm, path, false, {"mpi", "", "", 1});
    FAIL() << "every rank must throw";
  } catch (const ConsistencyError& e) {
    EXPECT_FALSE(comm.is_root());
    EXPECT_STREQ(e.what(), "rank 0 failed (its message is printed above)");
  } catch (const IoError& e) {
    EXPECT_TRUE(comm.is_root());
    EXPECT_TRUE(e.agreed());
    EXPECT_EQ(std::string(e.what()), path.string() + ": result file exists; pass --overwrite to replace it");
  }
  // The discarded attempt left the existing file alone, and --overwrite replaces it.
  auto rf = io::ResultFile::create(comm, path, true, {"mpi", "", "", 2});
  rf.discard();
  comm.barrier();  // rank 0 removes the partial file
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(rf.partial_path()));
}

TEST(CoordinatedErrors, FailureOnOneRankReachesAllRanks) {
  auto comm = par::Communicator::world();
  const int failing = comm.size() - 1;
  try {
    par::coordinated(comm, [&] {
      if (comm.rank() == failing) throw InvalidArgument("bad shard on the last rank");
    });
    FAIL() << "every rank must throw";
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(comm.rank(), failing);
    EXPECT_STREQ(e.what(), "bad shard on the last rank");
  } catch (const ConsistencyError& e) {
    EXPECT_NE(comm.rank(), failing);
    EXPECT_EQ(std::string(e.what()), fmt::format("rank {} failed (its message is printed above)", failing));
  }
  // And the communicator still works afterwards: nobody is stuck.
  EXPECT_EQ(comm.sum(1), comm.size());
}

TEST(CoordinatedErrors, NoFailureMeansNoThrow) {
  auto comm = par::Communicator::world();
  int ran = 0;
  par::coordinated(comm, [&] { ran = 1; });
  EXPECT_EQ(comm.sum(ran), comm.size());
}

TEST(Partition, BlockRangesCoverExactlyOnce) {
  std::uint64_t covered = 0;
  for (int p = 0; p < 4; ++p) covered += par::block_range(10, 4, p).size();
  EXPECT_EQ(covered, 10u);
  EXPECT_EQ(par::block_range(10, 4, 0).begin, 0u);
  EXPECT_EQ(par::block_range(10, 4, 1).begin, 3u);  // 3,3,2,2
  EXPECT_EQ(par::block_range(10, 4, 3).end, 10u);
  // LPT: costs 5,4,3,3 on 2 bins -> {5,3} and {4,3} (loads 8, 7).
  std::vector<std::uint64_t> costs{5, 4, 3, 3};
  EXPECT_EQ(par::balance_by_cost(costs, 2), (std::vector<int>{0, 1, 1, 0}));
}
