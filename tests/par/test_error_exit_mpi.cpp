// par::ErrorExit without MPI_Abort: an agreed error is printed by its holder only, and a plain
// (not agreed) error that every rank raises is printed once, by the lowest rank, after the
// ranks found each other within the grace period. Both return exit code 1 on every rank.
// (The abort path, one rank failing alone, ends the process and is not testable in gtest.)
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "par/error_exit.hpp"

namespace rapidnn::par {
namespace {

std::exception_ptr as_ptr(auto&& e) { return std::make_exception_ptr(std::forward<decltype(e)>(e)); }

TEST(ErrorExit, AgreedErrorIsPrintedByItsHolderOnly) {
  const auto comm = Communicator::world();
  ErrorExit exit(comm);
  std::exception_ptr error;
  if (comm.is_root()) {
    IoError e("results/x.h5: result file exists; pass --overwrite to replace it");
    e.mark_agreed();
    error = as_ptr(e);
  } else {
    error = as_ptr(ConsistencyError("rank 0 failed (its message is printed above)"));
  }
  ::testing::internal::CaptureStderr();
  const int code = exit.handle(error);
  const std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 1);
  EXPECT_EQ(printed, comm.is_root()
                         ? "rapidnn: error: results/x.h5: result file exists; pass --overwrite to replace it\n"
                         : "");
  EXPECT_EQ(comm.sum(1), comm.size());  // every rank returned
}

TEST(ErrorExit, SameErrorOnEveryRankIsPrintedOnceWithoutAbort) {
  const auto comm = Communicator::world();
  ErrorExit exit(comm, 30.0);  // generous: the ranks arrive within milliseconds
  ::testing::internal::CaptureStderr();
  const int code = exit.handle(as_ptr(InvalidArgument(fmt::format("bad shape seen by rank {}", comm.rank()))));
  const std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 1);
  EXPECT_EQ(printed, comm.is_root() ? "rapidnn: error: bad shape seen by rank 0\n" : "");
  EXPECT_EQ(comm.sum(1), comm.size());
}

}  // namespace
}  // namespace rapidnn::par
