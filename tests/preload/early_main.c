/* A program linked against libearly_connect.so: connect happens in a
 * dependency's constructor, before main and before srcbind's constructor. */
int main(void) { return 0; }
