#include <gtest/gtest.h>

#include "par/communicator.hpp"

int main(int argc, char** argv) {
  rapidnn::par::Environment env(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  const auto world = rapidnn::par::Communicator::world();
  if (!world.is_root()) {
    // Only rank 0 prints; failures on other ranks still fail the exit code below.
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  failed = world.max(failed);
  return failed;
}
