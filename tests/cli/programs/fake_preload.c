/* A shared library that does nothing: stands in for libsrcbind.so in the command
   tests, which check what srcbind does, not what the library does. */
__attribute__((visibility("default"))) int srcbind_test_fake_preload(void) { return 42; }
