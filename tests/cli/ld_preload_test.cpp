// LD_PRELOAD editing: prepend the library, keep what was there, never add it twice.
#include "ld_preload.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

namespace srcbind::cli {
namespace {

TEST(LdPreload, SplitsAtSpacesAndColonsLikeTheLoader) {
  EXPECT_EQ(split_preload_list("a.so b.so:c.so  :: d.so"), (std::vector<std::string>{"a.so", "b.so", "c.so", "d.so"}));
  EXPECT_TRUE(split_preload_list("").empty());
  EXPECT_TRUE(split_preload_list(" : ").empty());
}

TEST(LdPreload, UsesTheLibraryAloneWhenNothingWasThere) {
  EXPECT_EQ(prepend_preload("", "/p/lib/libsrcbind.so"), "/p/lib/libsrcbind.so");
  EXPECT_EQ(prepend_preload("  ", "/p/lib/libsrcbind.so"), "/p/lib/libsrcbind.so");
}

TEST(LdPreload, PrependsTheLibraryAndKeepsTheRestVerbatim) {
  EXPECT_EQ(prepend_preload("/x/libfoo.so /y/libbar.so", "/p/lib/libsrcbind.so"),
            "/p/lib/libsrcbind.so:/x/libfoo.so /y/libbar.so");
}

TEST(LdPreload, DoesNotAddTheLibraryTwice) {
  EXPECT_EQ(prepend_preload("/p/lib/libsrcbind.so", "/p/lib/libsrcbind.so"), "/p/lib/libsrcbind.so");
  EXPECT_EQ(prepend_preload("/x/libfoo.so /p/lib/libsrcbind.so:/y/libbar.so", "/p/lib/libsrcbind.so"),
            "/p/lib/libsrcbind.so:/x/libfoo.so:/y/libbar.so");
}

TEST(LdPreload, RecognisesTheLibraryUnderAnotherPath) {
  srcbind::test::TempDir dir;
  const std::string lib = dir.write("lib/libsrcbind.so", "x");
  ASSERT_EQ(symlink((dir / "lib").c_str(), (dir / "alias").c_str()), 0);
  EXPECT_EQ(prepend_preload(dir / "alias/libsrcbind.so", lib), lib);
}

}  // namespace
}  // namespace srcbind::cli
