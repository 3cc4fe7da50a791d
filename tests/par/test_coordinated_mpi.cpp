// par::coordinated across nested sections: the message of the rank that failed by itself is the
// one that surfaces (agreed), even when that rank is not the lowest rank holding an exception.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "par/coordinated.hpp"

namespace rapidnn::par {
namespace {

TEST(Coordinated, NestedFailureOnLastRankKeepsItsMessage) {
  const auto comm = Communicator::world();
  const int failing = comm.size() - 1;
  try {
    // The inner section leaves rank 0 with a ConsistencyError and the last rank with the real
    // error; the outer section must pick the real one, not rank 0's ConsistencyError.
    coordinated(comm, [&] {
      coordinated(comm, [&] {
        if (comm.rank() == failing) throw InvalidArgument("bad shard on the last rank");
      });
    });
    FAIL() << "every rank must throw";
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(comm.rank(), failing);
    EXPECT_STREQ(e.what(), "bad shard on the last rank");
    EXPECT_TRUE(e.agreed());
  } catch (const ConsistencyError& e) {
    EXPECT_NE(comm.rank(), failing);
    EXPECT_TRUE(e.agreed());
    EXPECT_EQ(std::string(e.what()), fmt::format("rank {} failed (its message is printed above)", failing));
  }
  EXPECT_EQ(comm.sum(1), comm.size());
}

TEST(Coordinated, EveryRankFailingPrintsOnceFromRankZero) {
  const auto comm = Communicator::world();
  int reporters = 0;
  try {
    coordinated(comm, [&] { throw ConfigError(fmt::format("same bad key, seen by rank {}", comm.rank())); });
  } catch (const ConsistencyError&) {
  } catch (const ConfigError& e) {
    EXPECT_TRUE(e.agreed());
    EXPECT_STREQ(e.what(), "same bad key, seen by rank 0");
    reporters = 1;
  }
  EXPECT_EQ(comm.sum(reporters), 1);
  EXPECT_EQ(comm.rank() == 0, reporters == 1);
}

TEST(Coordinated, ForeignExceptionBecomesAgreedError) {
  const auto comm = Communicator::world();
  try {
    coordinated(comm, [&] {
      if (comm.is_root()) throw std::out_of_range("index 7 outside [0, 3)");
    });
    FAIL() << "every rank must throw";
  } catch (const ConsistencyError&) {
    EXPECT_FALSE(comm.is_root());
  } catch (const Error& e) {
    EXPECT_TRUE(comm.is_root());
    EXPECT_TRUE(e.agreed());
    EXPECT_STREQ(e.what(), "index 7 outside [0, 3)");
  }
}

}  // namespace
}  // namespace rapidnn::par
