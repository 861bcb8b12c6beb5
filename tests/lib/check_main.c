/*
 * check_main: runs one Check suite with TAP output on stdout, so that
 * `make check` counts every test case through build-aux/tap-driver.sh.
 */
#include "config.h"

#include <stdlib.h>

#include "tests/lib/check_main.h"

int
check_main(Suite *s)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(s);
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
