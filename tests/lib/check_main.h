/*
 * check_main: the one main() body of every Check unit test.  Runs the suite
 * with TAP on stdout (for automake's tap-driver) and Check's own summary,
 * keeping CK_FORK as the environment says (default: fork).
 */
#ifndef MINIDFS_CHECK_MAIN_H
#define MINIDFS_CHECK_MAIN_H

#include <check.h>

/* Runs s (and frees it); returns EXIT_SUCCESS when every test passed. */
int	 check_main(Suite *s);

#endif /* MINIDFS_CHECK_MAIN_H */
