// The root-only integration tests run in a network and mount namespace of their
// own, entered here before any thread starts. Both disappear with the process,
// even when it crashes: nothing to clean up, nothing leaks into the host.
#include "netns.hpp"

#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!::testing::GTEST_FLAG(list_tests)) srcbind::test::enter_test_network();
  return RUN_ALL_TESTS();
}
