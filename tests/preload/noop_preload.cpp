// Deliberately empty: a preload library that interposes nothing.
