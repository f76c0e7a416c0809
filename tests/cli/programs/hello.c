/* A program that does nothing: the tests only care about its ELF shape. */
int main(void) { return 0; }
